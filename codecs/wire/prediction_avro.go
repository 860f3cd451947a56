package wire

// minPredictionSize is the smallest encoding of a Prediction: four empty
// strings, four numbers, empty scores, a double and a null label.
const minPredictionSize = 4 + 4 + 1 + 8 + 1

// AppendPredictionBatch appends the Avro binary encoding of pb (schema
// schemas.Prediction) to b.
func AppendPredictionBatch(b []byte, pb *PredictionBatch) []byte {
	b = appendArrayStart(b, len(pb.Predictions))
	for i := range pb.Predictions {
		b = appendPrediction(b, &pb.Predictions[i])
	}
	return appendArrayEnd(b, len(pb.Predictions))
}

func appendPrediction(b []byte, p *Prediction) []byte {
	b = appendString(b, p.ID)
	b = appendString(b, p.Topic)
	b = appendInt(b, p.Partition)
	b = appendLong(b, p.Offset)
	b = appendInt(b, p.Index)
	b = appendString(b, p.Model)
	b = appendString(b, p.Key)
	b = appendLong(b, p.Version)
	b = appendDoubles(b, p.Scores)
	b = appendDouble(b, p.Predicted)
	if p.Label == nil {
		return appendNullableDouble(b, 0, false)
	}
	return appendNullableDouble(b, *p.Label, true)
}

// predictionBatchSize is the exact Avro size of pb.
func predictionBatchSize(pb *PredictionBatch) int {
	n := sizeArray(len(pb.Predictions))
	for i := range pb.Predictions {
		p := &pb.Predictions[i]
		n += sizeString(p.ID) + sizeString(p.Topic) + sizeLong(int64(p.Partition)) + sizeLong(p.Offset) +
			sizeLong(int64(p.Index)) + sizeString(p.Model) + sizeString(p.Key) + sizeLong(p.Version) +
			sizeDoubles(len(p.Scores)) + 8 + 1
		if p.Label != nil {
			n += 8
		}
	}
	return n
}

// ReadPredictionBatch decodes the Avro binary of a PredictionBatch into pb,
// reusing pb's Predictions and their Scores; labels are newly allocated. On
// error pb holds a partial decode. It never panics.
func ReadPredictionBatch(data []byte, pb *PredictionBatch) error {
	r := newReader(data)
	ps := pb.Predictions[:0]
	for n := r.block(minPredictionSize); n > 0; n = r.block(minPredictionSize) {
		for range n {
			if len(ps) < cap(ps) {
				ps = ps[:len(ps)+1]
			} else {
				ps = append(ps, Prediction{})
			}
			readPrediction(&r, &ps[len(ps)-1])
			if r.Err() != nil {
				break
			}
		}
	}
	pb.Predictions = ps
	return r.done("prediction batch")
}

func readPrediction(r *reader, p *Prediction) {
	p.ID = r.string()
	p.Topic = r.stringReuse(p.Topic)
	p.Partition = r.int()
	p.Offset = r.long()
	p.Index = r.int()
	p.Model = r.stringReuse(p.Model)
	p.Key = r.stringReuse(p.Key)
	p.Version = r.long()
	p.Scores = r.doubles(p.Scores[:0])
	p.Predicted = r.double()
	p.Label = nil
	if f, ok := r.nullableDouble(); ok {
		p.Label = &f
	}
}
