package attest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kilnbuild/kiln/orchestrator/record"
)

// The predicate and build type of kiln's provenance.
const (
	// ProvenancePredicate is SLSA Provenance v1 (cosign's --type slsaprovenance1).
	ProvenancePredicate = "https://slsa.dev/provenance/v1"
	// BuildType says how to read the build definition: externalParameters.spec is kiln's
	// canonical spec, and rebuilding it with the listed resolvedDependencies gives the image.
	BuildType = "https://github.com/kilnbuild/kiln/buildtypes/nix-oci/v1"
)

// The kinds of resolved dependency, in each descriptor's annotations.kind.
const (
	DepSource    = "source"      // a pinned download (annotations.role: package, patch, library)
	DepPatch     = "local-patch" // a local patch file, content embedded
	DepProfile   = "profile"     // the pinned profile (build.profile), content embedded
	DepImageFile = "image-file"  // a file the spec adds to the image
	DepToolchain = "toolchain"   // a toolchain component
	ByStorePath  = "store-path"  // a byproduct: a closure path, digest = its NAR sha256
)

// Resource names an extra byproduct of the build (an SBOM written next to the image) by its
// sha256, so the signed provenance covers it too.
type Resource struct {
	Name      string
	MediaType string
	// SHA256 is lower-case hex.
	SHA256 string
}

// Provenance returns the in-toto Statement (JSON, keys sorted, compact) that says how rec's
// image was built: subject = the image manifest digest, predicate = SLSA Provenance v1 with
// the canonical spec embedded as externalParameters.spec. The same record gives the same
// bytes.
func Provenance(rec *record.Build, byproducts ...Resource) ([]byte, error) {
	if err := rec.Check(); err != nil {
		return nil, err
	}
	specStruct := &structpb.Struct{}
	if err := protojson.Unmarshal(rec.Spec.Canonical, specStruct); err != nil {
		return nil, fmt.Errorf("embedding the canonical spec: %w", err)
	}
	external, err := structpb.NewStruct(map[string]any{"specDigest": rec.Spec.Digest})
	if err != nil {
		return nil, err
	}
	external.Fields["spec"] = structpb.NewStructValue(specStruct)
	internal, err := structpb.NewStruct(map[string]any{
		"kilnVersion": rec.KilnVersion,
		"toolchain":   map[string]any{"name": rec.Toolchain.Name, "pure": rec.Toolchain.Pure},
		"nix":         map[string]any{"version": rec.Builder.NixVersion, "sandbox": rec.Builder.Sandbox},
	})
	if err != nil {
		return nil, err
	}
	deps, err := resolvedDependencies(rec)
	if err != nil {
		return nil, err
	}
	version := map[string]string{"kiln": rec.KilnVersion}
	if rec.Builder.NixVersion != "" {
		version["nix"] = rec.Builder.NixVersion
	}
	if rec.Builder.Kernel != "" {
		version["kernel"] = rec.Builder.Kernel
	}
	if rec.Builder.Host != "" {
		version["host"] = rec.Builder.Host
	}
	pred := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:            BuildType,
			ExternalParameters:   external,
			InternalParameters:   internal,
			ResolvedDependencies: deps,
		},
		RunDetails: &slsa.RunDetails{
			Builder:  &slsa.Builder{Id: rec.Builder.ID, Version: version},
			Metadata: &slsa.BuildMetadata{},
		},
	}
	if !rec.Started.IsZero() {
		pred.RunDetails.Metadata.StartedOn = timestamppb.New(rec.Started)
	}
	if !rec.Finished.IsZero() {
		pred.RunDetails.Metadata.FinishedOn = timestamppb.New(rec.Finished)
	}
	for _, p := range rec.Closure {
		nar, _ := p.NarSHA256() // checked
		pred.RunDetails.Byproducts = append(pred.RunDetails.Byproducts, &ita.ResourceDescriptor{
			Name: p.Path, Digest: map[string]string{"sha256": nar},
			Annotations: annotations(map[string]any{"kind": ByStorePath, "narSize": fmt.Sprint(p.NarSize)}),
		})
	}
	for _, b := range byproducts {
		pred.RunDetails.Byproducts = append(pred.RunDetails.Byproducts, &ita.ResourceDescriptor{
			Name: b.Name, MediaType: b.MediaType, Digest: map[string]string{"sha256": b.SHA256},
		})
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("making provenance: %w", err)
	}
	predJSON, err := protojson.Marshal(pred)
	if err != nil {
		return nil, fmt.Errorf("encoding provenance: %w", err)
	}
	predStruct := &structpb.Struct{}
	if err := protojson.Unmarshal(predJSON, predStruct); err != nil {
		return nil, fmt.Errorf("encoding provenance: %w", err)
	}
	name := rec.Image.Name
	if rec.Image.Tag != "" {
		name += ":" + rec.Image.Tag
	}
	st := &ita.Statement{
		Type:          StatementType,
		Subject:       []*ita.ResourceDescriptor{{Name: name, Digest: map[string]string{"sha256": rec.Image.DigestHex()}}},
		PredicateType: ProvenancePredicate,
		Predicate:     predStruct,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("making provenance statement: %w", err)
	}
	out, err := canonicalJSON(st)
	if err != nil {
		return nil, fmt.Errorf("encoding provenance statement: %w", err)
	}
	return out, nil
}

// resolvedDependencies lists every input of the build with its sha256: downloads, local
// patches (content embedded), image files, toolchain components.
func resolvedDependencies(rec *record.Build) ([]*ita.ResourceDescriptor, error) {
	var out []*ita.ResourceDescriptor
	for _, s := range rec.Sources {
		ann := map[string]any{"kind": DepSource, "role": string(s.Kind), "name": s.Name, "version": s.Version}
		if s.Of != "" {
			ann["of"] = s.Of // a fetched patch of this library's source
		}
		out = append(out, &ita.ResourceDescriptor{
			Name: s.FileName(), Uri: s.URL, Digest: map[string]string{"sha256": s.SHA256},
			Annotations: annotations(ann),
		})
	}
	for _, p := range rec.Patches {
		ann := map[string]any{"kind": DepPatch}
		if p.Of != "" {
			ann["of"] = p.Of // the library whose source it patches
		}
		out = append(out, &ita.ResourceDescriptor{
			Name: p.Name, Digest: map[string]string{"sha256": p.SHA256}, Content: p.Content, MediaType: "text/x-diff",
			Annotations: annotations(ann),
		})
	}
	if p := rec.Profile; p != nil {
		out = append(out, &ita.ResourceDescriptor{
			Name: p.Name, Digest: map[string]string{"sha256": p.SHA256}, Content: p.Content, MediaType: "application/gzip",
			Annotations: annotations(map[string]any{"kind": DepProfile}),
		})
	}
	files := append([]record.File(nil), rec.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for _, f := range files {
		out = append(out, &ita.ResourceDescriptor{
			Name: f.Path, Digest: map[string]string{"sha256": f.SHA256},
			Annotations: annotations(map[string]any{"kind": DepImageFile}),
		})
	}
	for _, c := range rec.Toolchain.Components {
		rd := &ita.ResourceDescriptor{
			Name: c.Name, Uri: c.URL,
			Annotations: annotations(map[string]any{"kind": DepToolchain, "version": c.Version, "purl": c.PURL}),
		}
		if c.SHA256 != "" {
			rd.Digest = map[string]string{"sha256": c.SHA256}
		}
		out = append(out, rd)
	}
	for i, rd := range out {
		if err := rd.Validate(); err != nil {
			return nil, fmt.Errorf("resolved dependency %d (%s): %w", i, rd.GetName(), err)
		}
	}
	return out, nil
}

// annotations drops empty strings so absent facts leave no empty keys.
func annotations(m map[string]any) *structpb.Struct {
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" {
			delete(m, k)
		}
	}
	s, _ := structpb.NewStruct(m) // only strings here
	return s
}

// ProvenanceInfo is what a reader needs from kiln's provenance: the image it is about, the
// spec to rebuild it from, the inputs and outputs with their hashes, and who built it.
type ProvenanceInfo struct {
	// Subjects are the statement's subjects: name and "sha256:<hex>".
	Subjects []Subject
	// BuildType is the build definition's type (BuildType for kiln's own).
	BuildType string
	// Spec is the embedded canonical spec (JSON, keys sorted), and SpecDigest what the builder
	// computed it to be.
	Spec       json.RawMessage
	SpecDigest string
	// KilnVersion and Toolchain are from internalParameters.
	KilnVersion string
	Toolchain   string
	// BuilderID and BuilderVersion are runDetails.builder.
	BuilderID      string
	BuilderVersion map[string]string
	// Dependencies are the resolved dependencies; StorePaths the closure byproducts (path →
	// NAR sha256 hex).
	Dependencies []*ita.ResourceDescriptor
	StorePaths   map[string]string
}

// Subject is one statement subject.
type Subject struct {
	Name   string
	Digest string
}

// ReadProvenance reads kiln's provenance from an in-toto statement: the predicate must be
// SLSA Provenance v1 (else *PredicateError) with kiln's build type and an embedded spec.
func ReadProvenance(st *ita.Statement) (*ProvenanceInfo, error) {
	if st.GetPredicateType() != ProvenancePredicate {
		return nil, &PredicateError{Got: st.GetPredicateType(), Want: []string{ProvenancePredicate}}
	}
	raw, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, fmt.Errorf("reading provenance predicate: %w", err)
	}
	var pred slsa.Provenance
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &pred); err != nil {
		return nil, fmt.Errorf("reading SLSA provenance: %w", err)
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("invalid SLSA provenance: %w", err)
	}
	def := pred.GetBuildDefinition()
	if def.GetBuildType() != BuildType {
		return nil, fmt.Errorf("build type %q is not kiln's (%s): kiln cannot rebuild it", def.GetBuildType(), BuildType)
	}
	info := &ProvenanceInfo{
		BuildType:      def.GetBuildType(),
		BuilderID:      pred.GetRunDetails().GetBuilder().GetId(),
		BuilderVersion: pred.GetRunDetails().GetBuilder().GetVersion(),
		Dependencies:   def.GetResolvedDependencies(),
		StorePaths:     map[string]string{},
	}
	for _, s := range st.GetSubject() {
		if h, ok := s.GetDigest()["sha256"]; ok {
			info.Subjects = append(info.Subjects, Subject{Name: s.GetName(), Digest: "sha256:" + h})
		}
	}
	ext := def.GetExternalParameters().GetFields()
	specVal, ok := ext["spec"]
	if !ok || specVal.GetStructValue() == nil {
		return nil, fmt.Errorf("provenance has no embedded spec (externalParameters.spec)")
	}
	specJSON, err := protojson.Marshal(specVal.GetStructValue())
	if err != nil {
		return nil, fmt.Errorf("reading embedded spec: %w", err)
	}
	if info.Spec, err = sortedJSON(specJSON); err != nil {
		return nil, fmt.Errorf("reading embedded spec: %w", err)
	}
	info.SpecDigest = ext["specDigest"].GetStringValue()
	if !strings.HasPrefix(info.SpecDigest, "sha256:") {
		return nil, fmt.Errorf("provenance has no spec digest (externalParameters.specDigest)")
	}
	in := def.GetInternalParameters().GetFields()
	info.KilnVersion = in["kilnVersion"].GetStringValue()
	info.Toolchain = in["toolchain"].GetStructValue().GetFields()["name"].GetStringValue()
	for _, b := range pred.GetRunDetails().GetByproducts() {
		if b.GetAnnotations().GetFields()["kind"].GetStringValue() == ByStorePath {
			info.StorePaths[b.GetName()] = b.GetDigest()["sha256"]
		}
	}
	return info, nil
}

// OpenProvenance is the whole check of one provenance attestation: the envelope is signed
// by a trusted key, its payload is an in-toto statement about subject ("sha256:<hex>"),
// its predicate is kiln's SLSA provenance. Every refusal is an *Error naming the attestation.
func (r Keyring) OpenProvenance(name string, envelope []byte, subject string) (*ProvenanceInfo, *PublicKey, error) {
	st, key, err := r.openStatement(name, envelope, subject)
	if err != nil {
		return nil, nil, err
	}
	info, err := ReadProvenance(st)
	if err != nil {
		return nil, nil, &Error{Attestation: name, Err: err}
	}
	return info, key, nil
}

// openStatement checks what every attestation kiln reads must be: an envelope signed by a
// trusted key whose payload is an in-toto statement about subject. A refusal is an *Error
// naming the attestation.
func (r Keyring) openStatement(name string, envelope []byte, subject string) (*ita.Statement, *PublicKey, error) {
	fail := func(err error) (*ita.Statement, *PublicKey, error) {
		return nil, nil, &Error{Attestation: name, Err: err}
	}
	payload, key, err := r.Open(envelope, PayloadType)
	if err != nil {
		return fail(err)
	}
	st, err := ParseStatement(payload)
	if err != nil {
		return fail(err)
	}
	if err := CheckSubject(st, subject); err != nil {
		return fail(err)
	}
	return st, key, nil
}
