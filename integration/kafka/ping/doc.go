// Command ping exits 0 once a Kafka broker answers a metadata request with
// at least one live broker and a controller; start.sh uses it as the
// readiness check of the native Apache Kafka it starts. It imports only
// franz-go (no streamsgd package).
//
//	go run ./integration/kafka/ping [-timeout 5s] 127.0.0.1:19092
package main
