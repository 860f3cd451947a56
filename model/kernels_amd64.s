//go:build !purego

#include "textflag.h"

// DOTS4_ARGS loads the arguments dots4 and dots4Scaled share: the four
// classes' weights into R8-R11, x into SI and its length into CX.
#define DOTS4_ARGS \
	MOVQ w0_base+0(FP), R8; \
	MOVQ w1_base+24(FP), R9; \
	MOVQ w2_base+48(FP), R10; \
	MOVQ w3_base+72(FP), R11; \
	MOVQ x_base+96(FP), SI; \
	MOVQ x_len+104(FP), CX

// func adamPairs(w, m, v, g, eta []float64, c *adamCoef)
//
// The Adam update of adamGo on len(w)/2 pairs of parameters with SSE2
// packed instructions (amd64 baseline). Every lane does the same IEEE
// operations in the same order as adamGo (no FMA), so the results are
// bit-for-bit those of adamGo. The caller guarantees that m, v, g and eta are
// at least as long as w.
TEXT ·adamPairs(SB), NOSPLIT, $0-128
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ m_base+24(FP), SI
	MOVQ v_base+48(FP), DX
	MOVQ g_base+72(FP), BX
	MOVQ eta_base+96(FP), R8
	MOVQ c+120(FP), AX
	SHRQ $1, CX
	JZ   done

	// Broadcast the coefficients (adamCoef field order: b1, b2, ob1, ob2,
	// eps, c1, c2).
	MOVSD   0(AX), X8
	MOVLHPS X8, X8    // b1
	MOVSD   8(AX), X9
	MOVLHPS X9, X9    // b2
	MOVSD   16(AX), X10
	MOVLHPS X10, X10  // 1-b1
	MOVSD   24(AX), X11
	MOVLHPS X11, X11  // 1-b2
	MOVSD   32(AX), X12
	MOVLHPS X12, X12  // eps
	MOVSD   40(AX), X13
	MOVLHPS X13, X13  // c1
	MOVSD   48(AX), X14
	MOVLHPS X14, X14  // c2
	XORQ    R9, R9

loop:
	MOVUPD (BX)(R9*1), X0 // g

	// m = b1*m + (1-b1)*g
	MOVUPD (SI)(R9*1), X1
	MULPD  X8, X1
	MOVAPD X0, X2
	MULPD  X10, X2
	ADDPD  X2, X1
	MOVUPD X1, (SI)(R9*1)

	// v = b2*v + (1-b2)*(g*g)
	MOVUPD (DX)(R9*1), X3
	MULPD  X9, X3
	MOVAPD X0, X4
	MULPD  X0, X4
	MULPD  X11, X4
	ADDPD  X4, X3
	MOVUPD X3, (DX)(R9*1)

	// eta = c1 / (c2*sqrt(v) + eps)
	SQRTPD X3, X5
	MULPD  X14, X5
	ADDPD  X12, X5
	MOVAPD X13, X6
	DIVPD  X5, X6
	MOVUPD X6, (R8)(R9*1)

	// w = w - eta*m
	MULPD  X1, X6
	MOVUPD (DI)(R9*1), X7
	SUBPD  X6, X7
	MOVUPD X7, (DI)(R9*1)

	ADDQ $16, R9
	DECQ CX
	JNZ  loop

done:
	RET

// func adamQuads(w, m, v, g, eta []float64, c *adamCoef)
//
// adamPairs with AVX, four lanes at a time, over w[:len(w)&^3]. The caller
// checks hasAVX first.
TEXT ·adamQuads(SB), NOSPLIT, $0-128
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ m_base+24(FP), SI
	MOVQ v_base+48(FP), DX
	MOVQ g_base+72(FP), BX
	MOVQ eta_base+96(FP), R8
	MOVQ c+120(FP), AX
	SHRQ $2, CX
	JZ   done4

	VBROADCASTSD 0(AX), Y8   // b1
	VBROADCASTSD 8(AX), Y9   // b2
	VBROADCASTSD 16(AX), Y10 // 1-b1
	VBROADCASTSD 24(AX), Y11 // 1-b2
	VBROADCASTSD 32(AX), Y12 // eps
	VBROADCASTSD 40(AX), Y13 // c1
	VBROADCASTSD 48(AX), Y14 // c2
	XORQ         R9, R9

loop4:
	VMOVUPD (BX)(R9*1), Y0 // g

	// m = b1*m + (1-b1)*g
	VMULPD  (SI)(R9*1), Y8, Y1
	VMULPD  Y0, Y10, Y2
	VADDPD  Y2, Y1, Y1
	VMOVUPD Y1, (SI)(R9*1)

	// v = b2*v + (1-b2)*(g*g)
	VMULPD  (DX)(R9*1), Y9, Y3
	VMULPD  Y0, Y0, Y4
	VMULPD  Y4, Y11, Y4
	VADDPD  Y4, Y3, Y3
	VMOVUPD Y3, (DX)(R9*1)

	// eta = c1 / (c2*sqrt(v) + eps)
	VSQRTPD Y3, Y5
	VMULPD  Y5, Y14, Y5
	VADDPD  Y12, Y5, Y5
	VDIVPD  Y5, Y13, Y6
	VMOVUPD Y6, (R8)(R9*1)

	// w = w - eta*m
	VMULPD  Y1, Y6, Y6
	VMOVUPD (DI)(R9*1), Y7
	VSUBPD  Y6, Y7, Y7
	VMOVUPD Y7, (DI)(R9*1)

	ADDQ $32, R9
	DECQ CX
	JNZ  loop4
	VZEROUPPER

done4:
	RET

// func hasAVX() bool
//
// Whether the CPU has AVX and the OS saves the YMM registers (CPUID.1:ECX
// OSXSAVE and AVX, XCR0 bits 1 and 2), as in internal/cpu.
TEXT ·hasAVX(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	ANDL $0x18000000, CX
	CMPL CX, $0x18000000
	JNE  no
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	MOVB $1, ret+0(FP)
	RET

no:
	MOVB $0, ret+0(FP)
	RET
DATA one<>+0(SB)/8, $1.0
GLOBL one<>(SB), RODATA|NOPTR, $8

// func welfordQuads(x, mean, m2, inv, xs []float64, invN float64)
//
// scaler.learn's loop body (welfordGo) with AVX, four features at a time,
// over x[:len(x)&^3]; the same IEEE operations in the same order (no FMA),
// so the results are bit-for-bit those of welfordGo. The caller checks
// hasAVX and that the other slices are at least as long as x.
TEXT ·welfordQuads(SB), NOSPLIT, $0-128
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ mean_base+24(FP), DI
	MOVQ m2_base+48(FP), DX
	MOVQ inv_base+72(FP), R8
	MOVQ xs_base+96(FP), R9
	SHRQ $2, CX
	JZ   done

	VBROADCASTSD invN+120(FP), Y8
	VBROADCASTSD one<>(SB), Y9
	VXORPD       Y10, Y10, Y10
	XORQ         R10, R10

loop:
	VMOVUPD (SI)(R10*1), Y0 // v

	// d = v - mean; mu = mean + d*invN
	VMOVUPD (DI)(R10*1), Y1
	VSUBPD  Y1, Y0, Y2
	VMULPD  Y8, Y2, Y3
	VADDPD  Y3, Y1, Y1
	VMOVUPD Y1, (DI)(R10*1)

	// m2 += d*(v - mu)
	VSUBPD  Y1, Y0, Y4
	VMULPD  Y4, Y2, Y5
	VADDPD  (DX)(R10*1), Y5, Y5
	VMOVUPD Y5, (DX)(R10*1)

	// inv = var > 0 ? 1/sqrt(var) : 0, var = m2*invN
	VMULPD  Y8, Y5, Y6
	VSQRTPD Y6, Y7
	VDIVPD  Y7, Y9, Y7
	VCMPPD  $0x1e, Y10, Y6, Y11 // var > 0 (GT_OQ)
	VANDPD  Y11, Y7, Y7
	VMOVUPD Y7, (R8)(R10*1)

	// xs = (v - mu)*inv
	VMULPD  Y7, Y4, Y4
	VMOVUPD Y4, (R9)(R10*1)

	ADDQ $32, R10
	DECQ CX
	JNZ  loop
	VZEROUPPER

done:
	RET

// func adagradQuads(w, acc, g, eta []float64, lr, eps float64)
//
// adagradGo with AVX, four lanes at a time, over w[:len(w)&^3]; the same
// IEEE operations in the same order, so the same bits. The caller checks
// hasAVX and that acc, g and eta are at least as long as w.
TEXT ·adagradQuads(SB), NOSPLIT, $0-112
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ acc_base+24(FP), SI
	MOVQ g_base+48(FP), BX
	MOVQ eta_base+72(FP), R8
	SHRQ $2, CX
	JZ   doneag

	VBROADCASTSD lr+96(FP), Y13
	VBROADCASTSD eps+104(FP), Y12
	XORQ         R9, R9

loopag:
	VMOVUPD (BX)(R9*1), Y0 // g

	// acc = acc + g*g
	VMULPD  Y0, Y0, Y1
	VADDPD  (SI)(R9*1), Y1, Y1
	VMOVUPD Y1, (SI)(R9*1)

	// eta = lr / (sqrt(acc) + eps)
	VSQRTPD Y1, Y2
	VADDPD  Y12, Y2, Y2
	VDIVPD  Y2, Y13, Y3
	VMOVUPD Y3, (R8)(R9*1)

	// w = w - eta*g
	VMULPD  Y0, Y3, Y3
	VMOVUPD (DI)(R9*1), Y4
	VSUBPD  Y3, Y4, Y4
	VMOVUPD Y4, (DI)(R9*1)

	ADDQ $32, R9
	DECQ CX
	JNZ  loopag
	VZEROUPPER

doneag:
	RET

DATA signbit<>+0(SB)/8, $0x8000000000000000
GLOBL signbit<>(SB), RODATA|NOPTR, $8

// func ftrlQuads(w, z, n, g []float64, c *ftrlCoef)
//
// ftrlGo with AVX, four lanes at a time, over w[:len(w)&^3]; the same IEEE
// operations in the same order, so the same bits. The caller checks hasAVX
// and that z, n and g are at least as long as w.
TEXT ·ftrlQuads(SB), NOSPLIT, $0-104
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ z_base+24(FP), SI
	MOVQ n_base+48(FP), DX
	MOVQ g_base+72(FP), BX
	MOVQ c+96(FP), AX
	SHRQ $2, CX
	JZ   doneftrl

	// ftrlCoef field order: invAlpha, beta, l1, l2.
	VBROADCASTSD 0(AX), Y12         // 1/alpha
	VBROADCASTSD 8(AX), Y13         // beta
	VBROADCASTSD 16(AX), Y14        // l1
	VBROADCASTSD 24(AX), Y15        // l2
	VBROADCASTSD signbit<>(SB), Y11 // sign bit
	XORQ         R9, R9

loopftrl:
	VMOVUPD (BX)(R9*1), Y0 // g
	VMOVUPD (DX)(R9*1), Y1 // n

	// nn = n + g*g; sq = sqrt(nn); sigma = (sq - sqrt(n)) / alpha
	VMULPD  Y0, Y0, Y2
	VADDPD  Y2, Y1, Y2
	VMOVUPD Y2, (DX)(R9*1)
	VSQRTPD Y2, Y3
	VSQRTPD Y1, Y4
	VSUBPD  Y4, Y3, Y4
	VMULPD  Y12, Y4, Y4

	// z = (z + g) - sigma*w
	VMOVUPD (SI)(R9*1), Y5
	VADDPD  Y0, Y5, Y5
	VMULPD  (DI)(R9*1), Y4, Y4
	VSUBPD  Y4, Y5, Y5
	VMOVUPD Y5, (SI)(R9*1)

	// w = |z| > l1 ? -(z - copysign(l1, z)) / ((beta + sq)/alpha + l2) : 0
	VANDPD  Y11, Y5, Y6  // sign of z
	VORPD   Y14, Y6, Y6  // copysign(l1, z)
	VSUBPD  Y6, Y5, Y6   // z - copysign(l1, z)
	VXORPD  Y11, Y6, Y6  // negated
	VADDPD  Y3, Y13, Y7  // beta + sq
	VMULPD  Y12, Y7, Y7
	VADDPD  Y15, Y7, Y7
	VDIVPD  Y7, Y6, Y6
	VANDNPD Y5, Y11, Y8  // |z|
	VCMPPD  $0x1e, Y14, Y8, Y8 // |z| > l1 (GT_OQ)
	VANDPD  Y8, Y6, Y6
	VMOVUPD Y6, (DI)(R9*1)

	ADDQ $32, R9
	DECQ CX
	JNZ  loopftrl
	VZEROUPPER

doneftrl:
	RET

// DOTS4_ZERO clears the four classes' lane sums Y0-Y3 (+0, as dot's start).
#define DOTS4_ZERO \
	VXORPD Y0, Y0, Y0; \
	VXORPD Y1, Y1, Y1; \
	VXORPD Y2, Y2, Y2; \
	VXORPD Y3, Y3, Y3

// DOTS4_ADD adds the products of the four features in Y4 with the four
// classes' weights at offset AX of R8-R11 to Y0-Y3: a multiply, then an
// add.
#define DOTS4_ADD \
	VMULPD (R8)(AX*1), Y4, Y5; \
	VADDPD Y5, Y0, Y0; \
	VMULPD (R9)(AX*1), Y4, Y6; \
	VADDPD Y6, Y1, Y1; \
	VMULPD (R10)(AX*1), Y4, Y7; \
	VADDPD Y7, Y2, Y2; \
	VMULPD (R11)(AX*1), Y4, Y8; \
	VADDPD Y8, Y3, Y3

// DOTS4_STORE writes Y0-Y3 to the lanes at DI.
#define DOTS4_STORE \
	VMOVUPD Y0, 0(DI); \
	VMOVUPD Y1, 32(DI); \
	VMOVUPD Y2, 64(DI); \
	VMOVUPD Y3, 96(DI); \
	VZEROUPPER

// func dots4(w0, w1, w2, w3, x []float64, lanes *[16]float64)
//
// dot(wk, x) of four classes at once over x[:len(x)&^3], with AVX: lane j
// of class k (lanes[4k+j]) sums wk[i]*x[i] for i ≡ j (mod 4) in order, as
// dot's s0..s3 do, with a multiply then an add (no FMA), so the lanes are
// bit-for-bit dot's accumulators. The four classes' sums are independent
// chains: they overlap, where dot waits for each add. The caller checks
// hasAVX and that every wk is at least as long as x.
TEXT ·dots4(SB), NOSPLIT, $0-128
	DOTS4_ARGS
	MOVQ lanes+120(FP), DI
	DOTS4_ZERO
	SHRQ $2, CX
	JZ   dstore
	XORQ AX, AX

dloop:
	VMOVUPD (SI)(AX*1), Y4
	DOTS4_ADD
	ADDQ    $32, AX
	DECQ    CX
	JNZ     dloop

dstore:
	DOTS4_STORE
	RET

// func dots4Scaled(w0, w1, w2, w3, x, mean, inv []float64, lanes *[16]float64)
//
// dots4 on the standardised features (x[i]-mean[i])*inv[i], as dotScaled
// computes them (once per four features here, for the four classes). The
// caller checks hasAVX and that every wk, mean and inv are at least as
// long as x.
TEXT ·dots4Scaled(SB), NOSPLIT, $0-176
	DOTS4_ARGS
	MOVQ mean_base+120(FP), DX
	MOVQ inv_base+144(FP), BX
	MOVQ lanes+168(FP), DI
	DOTS4_ZERO
	SHRQ $2, CX
	JZ   sstore
	XORQ AX, AX

sloop:
	VMOVUPD (SI)(AX*1), Y4
	VSUBPD  (DX)(AX*1), Y4, Y4 // x - mean
	VMULPD  (BX)(AX*1), Y4, Y4 // * inv
	DOTS4_ADD
	ADDQ    $32, AX
	DECQ    CX
	JNZ     sloop

sstore:
	DOTS4_STORE
	RET
