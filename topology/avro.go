package topology

import "encoding/json"

// avroFieldNames lists the numeric and string fields of an Avro record
// schema in order (nil if the schema does not parse: the decoder reports
// that with its own error).
func avroFieldNames(schema string) []string {
	var rec struct {
		Fields []struct {
			Name string `json:"name"`
		} `json:"fields"`
	}
	if json.Unmarshal([]byte(schema), &rec) != nil {
		return nil
	}
	names := make([]string, len(rec.Fields))
	for i, f := range rec.Fields {
		names[i] = f.Name
	}
	return names
}
