package attest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// RebuildPredicate is the predicate type of kiln's rebuild attestation: a builder other than
// the one that made the image rebuilt it from its provenance and says what it got.
const RebuildPredicate = "https://github.com/kilnbuild/kiln/rebuild/v1"

// The results a rebuild attestation states.
const (
	// ResultMatch: the rebuilt image has the subject's digest and every closure path the
	// provenance's NAR hash.
	ResultMatch = "match"
	// ResultDiffer: something rebuilt is not what the provenance says (Differences says what).
	ResultDiffer = "differ"
)

// Rebuild is the predicate of a rebuild attestation.
type Rebuild struct {
	// Result is ResultMatch or ResultDiffer.
	Result string `json:"result"`
	// RebuiltDigest is the manifest digest of the image the rebuild packaged.
	RebuiltDigest string `json:"rebuiltDigest"`
	// SpecDigest is the canonical spec rebuilt (the provenance's externalParameters.specDigest).
	SpecDigest string `json:"specDigest"`
	// Provenance says which provenance was rebuilt: its referrer digest and signing key.
	Provenance RebuiltFrom `json:"provenance"`
	// Builder is who rebuilt.
	Builder RebuildBuilder `json:"builder"`
	// StorePaths are the rebuilt closure's NAR hashes (path → sha256 hex).
	StorePaths map[string]string `json:"storePaths"`
	// Differences say what differs from the provenance (empty for a match).
	Differences []string `json:"differences,omitempty"`
	// Rounds and Depth are how hard the rebuild looked (kiln verify's report).
	Rounds int    `json:"rounds"`
	Depth  string `json:"depth,omitempty"`
	// StartedOn and FinishedOn bound the rebuild (RFC 3339).
	StartedOn  string `json:"startedOn,omitempty"`
	FinishedOn string `json:"finishedOn,omitempty"`
}

// RebuiltFrom names the provenance a rebuild started from.
type RebuiltFrom struct {
	// Referrer is the provenance's referrer manifest digest.
	Referrer string `json:"referrer"`
	// KeyID is the ID of the key that signed it.
	KeyID string `json:"keyId"`
	// BuilderID is the original builder's identity.
	BuilderID string `json:"builderId"`
}

// RebuildBuilder identifies the rebuilder: its identity URI, machine and Nix.
type RebuildBuilder struct {
	ID          string `json:"id"`
	Host        string `json:"host,omitempty"`
	Kernel      string `json:"kernel,omitempty"`
	NixVersion  string `json:"nixVersion,omitempty"`
	Sandbox     bool   `json:"sandbox"`
	KilnVersion string `json:"kilnVersion,omitempty"`
}

var sha256DigestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Check reports what is missing or malformed in r.
func (r *Rebuild) Check() error {
	var bad []string
	if r.Result != ResultMatch && r.Result != ResultDiffer {
		bad = append(bad, fmt.Sprintf("result %q: want %s or %s", r.Result, ResultMatch, ResultDiffer))
	}
	if !sha256DigestRe.MatchString(r.RebuiltDigest) {
		bad = append(bad, fmt.Sprintf("rebuiltDigest %q: want sha256:<64 hex>", r.RebuiltDigest))
	}
	if !sha256DigestRe.MatchString(r.SpecDigest) {
		bad = append(bad, fmt.Sprintf("specDigest %q: want sha256:<64 hex>", r.SpecDigest))
	}
	if r.Builder.ID == "" {
		bad = append(bad, "builder.id: required")
	}
	if r.Result == ResultMatch && len(r.Differences) > 0 {
		bad = append(bad, "result match with differences")
	}
	if len(bad) > 0 {
		return fmt.Errorf("rebuild predicate: %s", strings.Join(bad, "; "))
	}
	return nil
}

// RebuildStatement returns the in-toto Statement (JSON, keys sorted) of a rebuild of the
// image subjectName@subjectDigest ("sha256:<hex>").
func RebuildStatement(r *Rebuild, subjectName, subjectDigest string) ([]byte, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	if !sha256DigestRe.MatchString(subjectDigest) {
		return nil, fmt.Errorf("rebuild statement: subject digest %q: want sha256:<64 hex>", subjectDigest)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	pred := &structpb.Struct{}
	if err := protojson.Unmarshal(raw, pred); err != nil {
		return nil, fmt.Errorf("encoding rebuild predicate: %w", err)
	}
	st := &ita.Statement{
		Type:          StatementType,
		Subject:       []*ita.ResourceDescriptor{{Name: subjectName, Digest: map[string]string{"sha256": strings.TrimPrefix(subjectDigest, "sha256:")}}},
		PredicateType: RebuildPredicate,
		Predicate:     pred,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("making rebuild statement: %w", err)
	}
	return canonicalJSON(st)
}

// ReadRebuild reads kiln's rebuild predicate from a statement (else a *PredicateError).
func ReadRebuild(st *ita.Statement) (*Rebuild, error) {
	if st.GetPredicateType() != RebuildPredicate {
		return nil, &PredicateError{Got: st.GetPredicateType(), Want: []string{RebuildPredicate}}
	}
	raw, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, fmt.Errorf("reading rebuild predicate: %w", err)
	}
	var r Rebuild
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("reading rebuild predicate: %w", err)
	}
	if err := r.Check(); err != nil {
		return nil, err
	}
	return &r, nil
}

// Opened is a signed attestation kiln has checked: who signed it and what it says.
type Opened struct {
	// Name names the attestation (a referrer digest and artifact type).
	Name string
	// Digest is the referrer manifest's digest, when the caller read it from an image.
	Digest string
	Key    *PublicKey
	// PredicateType is ProvenancePredicate or RebuildPredicate; the matching field is set.
	PredicateType string
	Provenance    *ProvenanceInfo
	Rebuild       *Rebuild
}

// OpenAttestation checks one attestation: signed by a trusted key, an in-toto statement
// about subject ("sha256:<hex>"), whose predicate is kiln's provenance or a rebuild
// attestation. Every refusal is an *Error naming the attestation and why.
func (r Keyring) OpenAttestation(name string, envelope []byte, subject string) (*Opened, error) {
	st, key, err := r.openStatement(name, envelope, subject)
	if err != nil {
		return nil, err
	}
	o := &Opened{Name: name, Key: key, PredicateType: st.GetPredicateType()}
	switch o.PredicateType {
	case ProvenancePredicate:
		o.Provenance, err = ReadProvenance(st)
	case RebuildPredicate:
		o.Rebuild, err = ReadRebuild(st)
	default:
		err = &PredicateError{Got: o.PredicateType, Want: []string{ProvenancePredicate, RebuildPredicate}}
	}
	if err != nil {
		return nil, &Error{Attestation: name, Err: err}
	}
	return o, nil
}

// Vote is one trusted rebuild attestation as the quorum counts it.
type Vote struct {
	Attestation string `json:"attestation"`
	KeyID       string `json:"key_id"`
	// KeyName is the trusted key's name (its file), "" if unknown.
	KeyName   string `json:"key_name,omitempty"`
	BuilderID string `json:"builder_id"`
	Host      string `json:"host,omitempty"`
	Result    string `json:"result"`
	// Digest is the digest the rebuild got.
	Digest      string   `json:"digest"`
	Differences []string `json:"differences,omitempty"`
}

// Agrees reports whether the vote says the rebuild gave exactly subject.
func (v Vote) Agrees(subject string) bool { return v.Result == ResultMatch && v.Digest == subject }

// QuorumResult is the outcome of Quorum.
type QuorumResult struct {
	Need int `json:"need"`
	// Counted are the agreeing votes that count: at most one per key and one per builder.
	Counted []Vote `json:"counted"`
	// Agreed are every agreeing vote; Differed every vote that got something else.
	Agreed   []Vote `json:"agreed"`
	Differed []Vote `json:"differed"`
	Pass     bool   `json:"pass"`
}

// ErrNoQuorum is a quorum that was not reached.
var ErrNoQuorum = errors.New("quorum not reached")

// Quorum counts votes about subject: it passes when need votes agree on subject's digest,
// each signed by a different key and made by a different builder (builder ID). The votes
// counted are a largest such set (a matching of keys to builders).
func Quorum(votes []Vote, subject string, need int) *QuorumResult {
	q := &QuorumResult{Need: need, Counted: []Vote{}, Agreed: []Vote{}, Differed: []Vote{}}
	for _, v := range votes {
		if v.Agrees(subject) {
			q.Agreed = append(q.Agreed, v)
		} else {
			q.Differed = append(q.Differed, v)
		}
	}
	sort.SliceStable(q.Agreed, func(i, j int) bool { return q.Agreed[i].KeyID < q.Agreed[j].KeyID })
	// Bipartite matching keys → builders over the agreeing votes (augmenting paths).
	byKey := map[string][]int{}
	var keys []string
	for i, v := range q.Agreed {
		if _, ok := byKey[v.KeyID]; !ok {
			keys = append(keys, v.KeyID)
		}
		byKey[v.KeyID] = append(byKey[v.KeyID], i)
	}
	builderVote := map[string]int{} // builder → index of the vote matched to it
	var try func(key string, seen map[string]bool) bool
	try = func(key string, seen map[string]bool) bool {
		for _, i := range byKey[key] {
			b := q.Agreed[i].BuilderID
			if seen[b] {
				continue
			}
			seen[b] = true
			j, taken := builderVote[b]
			if !taken || try(q.Agreed[j].KeyID, seen) {
				builderVote[b] = i
				return true
			}
		}
		return false
	}
	for _, k := range keys {
		try(k, map[string]bool{})
	}
	var idx []int
	for _, i := range builderVote {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		q.Counted = append(q.Counted, q.Agreed[i])
	}
	q.Pass = need > 0 && len(q.Counted) >= need
	return q
}
