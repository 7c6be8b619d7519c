package attest

import (
	"bytes"
	"encoding/json"
	"fmt"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// StatementType is the in-toto Statement version kiln writes.
const StatementType = ita.StatementTypeUri

// canonicalJSON encodes a protobuf message as compact JSON with object keys sorted. protojson
// alone is deliberately unstable (it may vary whitespace between runs); a signed statement
// must be the same bytes every time.
func canonicalJSON(m proto.Message) ([]byte, error) {
	raw, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	return sortedJSON(raw)
}

// sortedJSON re-encodes JSON with sorted keys, numbers kept as written, no HTML escaping.
func sortedJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ParseStatement reads an in-toto Statement (v1, or the v0.1 that older tools write) and
// checks it has a subject with a digest, a predicate type and a predicate. Unknown fields
// are ignored, as the in-toto spec asks of consumers.
func ParseStatement(payload []byte) (*ita.Statement, error) {
	var st ita.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("not an in-toto statement: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("invalid in-toto statement: %w", err)
	}
	return &st, nil
}

// CheckSubject reports a *SubjectError unless one of st's subjects has digest ("sha256:<hex>").
func CheckSubject(st *ita.Statement, digest string) error {
	var got []string
	for _, s := range st.GetSubject() {
		h, ok := s.GetDigest()["sha256"]
		if !ok {
			continue
		}
		if "sha256:"+h == digest {
			return nil
		}
		got = append(got, "sha256:"+h)
	}
	return &SubjectError{Want: digest, Got: got}
}

// PredicateTypeAnnotation is the referrer manifest annotation naming a signed statement's
// predicate type, so a listing says what an envelope holds without opening it. It is a
// hint for people: readers trust only the signed statement.
const PredicateTypeAnnotation = "predicateType"
