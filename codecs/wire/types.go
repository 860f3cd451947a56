package wire

// Source holds the coordinates of an input record.
type Source struct {
	Topic     string
	Partition int32
	Offset    int64
}

// Row is one example: the offset of its input message and its position in
// it, its features and its label, if any.
type Row struct {
	Index    int32
	Offset   int64 // offset of the row's input message in Source's partition
	Features []float64
	Label    float64 // meaningful only when HasLabel
	HasLabel bool
}

// ExampleBatch holds rows of consecutive input messages of one source
// partition destined to ONE model key: the value on the <p>.examples topic.
// Source.Offset is the offset of the last of those messages; each row
// carries its own message's offset (at most Source.Offset).
type ExampleBatch struct {
	Source  Source
	Model   string
	Key     string
	Rows    []Row
	Invalid int32 // rows of this message that were dead-lettered
	// Partial: the rows of the message at Source.Offset go on in a later
	// batch of the same key (one message held more rows for the key than
	// one batch can take). The learner then records how far into that
	// message it got (Watermark.Next).
	Partial bool
	// Scores, when set, are the predictions the rows were given when their
	// features arrived (delayed labels: the join group sends each labeled
	// row with them), the learner's outputs per row one after the other:
	// the learner then scores its rolling metrics with them instead of
	// predicting again, and writes no prediction (it was written then).
	Scores []float64
}

// Prediction is the output of one model for one input row.
type Prediction struct {
	ID        string // "topic/partition/offset/index": unique per input row, deterministic
	Topic     string
	Partition int32
	Offset    int64
	Index     int32
	Model     string
	Key       string
	Version   int64     // rows the model had learned before this prediction
	Scores    []float64 // binary: [P(1)]; multiclass: class probabilities; regression: [yhat]
	Predicted float64   // binary/multiclass: predicted class; regression: yhat
	Label     *float64  // nil when the row has no label
}

// PredictionBatch is one Kafka message holding the predictions of one
// ExampleBatch.
type PredictionBatch struct {
	Predictions []Prediction
}

// Metric is one named metric value; Value may be NaN (undefined yet).
type Metric struct {
	Name  string
	Value float64
}

// MetricSnapshot holds the rolling metrics of one model key at one moment.
type MetricSnapshot struct {
	Model           string
	Key             string
	Version         int64
	Rows            int64 // rows learned in total
	Invalid         int64 // rows dead-lettered in total
	Window          int64 // rows covered by Metrics
	Metrics         []Metric
	SourceTopic     string
	SourcePartition int32
	SourceOffset    int64
}

// DeadLetter is an input record, or one row of it, that could not be used.
// Nil Key or Value means the record had none. Key and Value may be cut to
// fit the dead-letter topic (Fit); KeySize, ValueSize and the SHA-256
// hashes always describe the raw bytes as they were.
type DeadLetter struct {
	Topic     string
	Partition int32
	Offset    int64
	Index     int32 // row inside the message; -1 for the whole message
	Key       []byte
	Value     []byte
	Reason    string
	// KeySize and ValueSize are the sizes of the raw key and value in
	// bytes, before any cut.
	KeySize   int64
	ValueSize int64
	// KeySHA256 and ValueSHA256 are the SHA-256 of the raw key and value
	// (32 bytes), nil when the record had none.
	KeySHA256   []byte
	ValueSHA256 []byte
	// Truncated says that Key, Value or Reason were cut to fit.
	Truncated bool
}

// WholeMessage is the DeadLetter.Index of a message dead-lettered as a whole.
const WholeMessage int32 = -1

// Watermark is the highest source offset a model state has applied from
// one source partition: the exactly-once bookkeeping of the learn table's
// values (table.ModelState.Watermarks), exported in an ExportedModel.
type Watermark struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	// Next is 0 when the message at Offset was applied whole; otherwise
	// its rows of index below Next were applied, and the rest come in a
	// later batch (ExampleBatch.Partial). Not exported.
	Next int32 `json:"-"`
}

// Applied reports whether the row at index of the message at offset is
// at or below w.
func (w Watermark) Applied(offset int64, index int32) bool {
	return offset < w.Offset || offset == w.Offset && (w.Next == 0 || index < w.Next)
}

// ExportedModel is the envelope of an exported model version, the record
// of Avro schema schemas.ModelState (the schema keeps its name). The model
// and its metric windows travel as opaque bytes written by their own
// packages. Not to be confused with table.ModelState, the live value of the
// learn table.
type ExportedModel struct {
	Model        string // name of the model in the pipeline config
	Key          string
	ConfigHash   string
	Version      int64
	Rows         int64
	Watermarks   []Watermark
	ModelBytes   []byte
	MetricsBytes []byte
}
