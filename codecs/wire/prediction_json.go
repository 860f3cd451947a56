package wire

import "fmt"

// AppendPredictionJSON appends p as one JSON object (no newline) with the
// fields id, topic, partition, offset, index, model, key, version, scores,
// predicted and label; NaN and ±Inf are written as null, as is a nil label.
func AppendPredictionJSON(b []byte, p *Prediction) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, p.ID)
	b = append(b, `,"topic":`...)
	b = appendJSONString(b, p.Topic)
	b = append(b, `,"partition":`...)
	b = appendJSONInt(b, int64(p.Partition))
	b = append(b, `,"offset":`...)
	b = appendJSONInt(b, p.Offset)
	b = append(b, `,"index":`...)
	b = appendJSONInt(b, int64(p.Index))
	b = append(b, `,"model":`...)
	b = appendJSONString(b, p.Model)
	b = append(b, `,"key":`...)
	b = appendJSONString(b, p.Key)
	b = append(b, `,"version":`...)
	b = appendJSONInt(b, p.Version)
	b = append(b, `,"scores":`...)
	b = appendJSONFloats(b, p.Scores)
	b = append(b, `,"predicted":`...)
	b = appendJSONFloat(b, p.Predicted)
	b = append(b, `,"label":`...)
	if p.Label == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONFloat(b, *p.Label)
	}
	return append(b, '}')
}

// AppendPredictionBatchJSON appends pb as JSON Lines: one object per
// prediction, separated by a newline (none after the last), so that a batch
// of one is a plain JSON object.
func AppendPredictionBatchJSON(b []byte, pb *PredictionBatch) []byte {
	for i := range pb.Predictions {
		if i > 0 {
			b = append(b, '\n')
		}
		b = AppendPredictionJSON(b, &pb.Predictions[i])
	}
	return b
}

// predictionBatchJSONSize estimates the JSON size of pb, enough unless
// strings need escaping.
func predictionBatchJSONSize(pb *PredictionBatch) int {
	n := 0
	for i := range pb.Predictions {
		p := &pb.Predictions[i]
		n += 181 + len(p.ID) + len(p.Topic) + len(p.Model) + len(p.Key) + 25*(len(p.Scores)+2)
	}
	return n
}

// predictionJSON is the decoding side of AppendPredictionJSON.
type predictionJSON struct {
	ID        string      `json:"id"`
	Topic     string      `json:"topic"`
	Partition int32       `json:"partition"`
	Offset    int64       `json:"offset"`
	Index     int32       `json:"index"`
	Model     string      `json:"model"`
	Key       string      `json:"key"`
	Version   int64       `json:"version"`
	Scores    []jsonFloat `json:"scores"`
	Predicted jsonFloat   `json:"predicted"`
	Label     *float64    `json:"label"`
}

func (pj *predictionJSON) prediction() Prediction {
	return Prediction{
		ID: pj.ID, Topic: pj.Topic, Partition: pj.Partition, Offset: pj.Offset, Index: pj.Index,
		Model: pj.Model, Key: pj.Key, Version: pj.Version,
		Scores: floats(pj.Scores), Predicted: float64(pj.Predicted), Label: pj.Label,
	}
}

// ReadPredictionBatchJSON decodes JSON Lines (or any white-space separated
// sequence of prediction objects) into pb, replacing its predictions. An
// empty input is an empty batch.
func ReadPredictionBatchJSON(data []byte, pb *PredictionBatch) error {
	pb.Predictions = pb.Predictions[:0]
	err := decodeJSONObjects(data, func(pj *predictionJSON) error {
		pb.Predictions = append(pb.Predictions, pj.prediction())
		return nil
	})
	if err != nil {
		return fmt.Errorf("wire: read prediction json: %w", err)
	}
	return nil
}
