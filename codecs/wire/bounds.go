package wire

// Upper bounds of encoded sizes, for splitting batches by bytes before
// they are encoded (route splits ExampleBatches so that they, and the
// PredictionBatches the learner makes of them, fit their topics).

// maxVarint is the longest Avro long (zigzag varint).
const maxVarint = 10

// ExampleBatchHeaderBound bounds the bytes of an ExampleBatch of the given
// source topic, model and key, without its rows: the encoded fields and
// the key once more, as the Kafka record's key.
func ExampleBatchHeaderBound(topic, model, key string) int {
	return sizeString(topic) + sizeString(model) + 2*sizeString(key) + 4*maxVarint + 1 + 1 + // partial, empty scores
		2*maxVarint + 1 // integer_width, integer_features' count and end
}

// ExampleRowBound bounds the bytes of one Row of an ExampleBatch with the
// given number of features (labeled or not); a feature written as an
// integer (integer_features) takes at most 8 bytes, as a double.
func ExampleRowBound(features int) int {
	return 2*maxVarint + sizeDoubles(features) + 1 + 8
}

// PredictionRowBound bounds the bytes of one Prediction with the given
// number of scores, in JSON (the larger encoding: every string escaped at
// worst 6 bytes per byte, every number 24 characters) and in Avro, plus
// the separating newline of JSON Lines; the key of a PredictionBatch's
// record is counted by PredictionBatchHeaderBound.
func PredictionRowBound(topic, model, key string, scores int) int {
	const names = 120 // field names, quotes, colons, commas, braces
	const number = 24 // the longest float or int64 in JSON
	id := len(topic) + 3 + 3*number
	return names + 2 + 6*(id+len(topic)+len(model)+len(key)) + 8 + 4*number + (scores+2)*(number+1)
}

// PredictionBatchHeaderBound bounds the bytes of a PredictionBatch record
// that do not depend on its rows (the record key, the array framing).
func PredictionBatchHeaderBound(key string) int {
	return sizeString(key) + 2*maxVarint
}
