// Package batchscore scores a whole CSV file, or a whole topic, with a
// served version of one model: what `streamsgd score` does.
//
// # Files
//
// [ScoreFile] streams with bounded memory over every core: one reader
// goroutine cuts the file into chunks of whole lines (about
// Options.ChunkBytes each), Options.Workers workers decode each chunk with
// the pipeline's input decoder (codecs/input, as route decodes a message),
// score its rows in blocks with score.Scorer (one BLAS product per block
// and model key) and format the output rows, and one writer puts the
// chunks back in file order. At most 2·Workers+2 chunks are in flight.
// [ParseFile] runs the same reader and workers with nothing but the
// decoding: the ceiling that scoring is measured against.
//
// Every data line of the file is scored or rejected, never lost: lines
// the decoder refuses, rows of an entity without a served version, labels
// the model refuses (as route dead-letters them) and lines longer than
// Options.MaxLineBytes are passed to Options.OnReject with their line
// number and reason, in file order, and counted: rows = scored + rejected.
//
// # Topics
//
// [ScoreTopic] reads an input topic from its start to the end offsets it
// had when it started, decodes each record as route does, and writes the
// predictions to an output topic, keyed by model key, in the pipeline's
// prediction records (codecs/wire): same ids (topic/partition/offset/
// index), same fields. One goroutine; simple.
//
// # Evaluation
//
// With Options.Evaluate, the labeled rows update exact whole-set metrics
// (package metrics): accuracy, log loss and AUC (binary; AUC exact, by
// sorting the distinct scores), accuracy and log loss (multiclass), RMSE,
// MAE and R² (regression).
//
// # Imports
//
// batchscore imports score, model, metrics, the codecs (input, wire,
// table), processors (the label rule route applies), kafkaclient and
// franz-go (topics), and goka for its Codec interface only. The CLI and
// the bench import it; nothing else does.
package batchscore
