package audit

import (
	"errors"
	"reflect"
	"testing"
)

func TestValidatePolicy(t *testing.T) {
	if err := ValidatePolicy(PolicyWords); err != nil {
		t.Errorf("all policy words: %v", err)
	}
	if err := ValidatePolicy(nil); err != nil {
		t.Errorf("empty policy: %v", err)
	}
	for _, words := range [][]string{{"pie", "fortify"}, {"PIE"}, {""}, {"relro", "bind-now"}} {
		if err := ValidatePolicy(words); !errors.Is(err, ErrUnknownPolicy) {
			t.Errorf("ValidatePolicy(%q) = %v, want ErrUnknownPolicy", words, err)
		}
	}
}

// hardened is a report that passes every policy word and the always-on checks.
var hardened = ELFReport{
	File: "/nix/store/x-haproxy/bin/haproxy", Type: TypeStaticPIE, Static: true, PIE: true,
	RELRO: RELROFull, BindNow: true, NX: true, Canary: CanaryYes, Libc: LibcMusl,
	Fortify: FortifyMusl, Stripped: true,
}

func TestCheck(t *testing.T) {
	const file = "/nix/store/x-haproxy/bin/haproxy"
	v := func(prop, got, want string) Violation {
		return Violation{File: file, Property: prop, Got: got, Want: want}
	}
	tests := []struct {
		name   string
		edit   func(*ELFReport)
		policy []string
		want   []Violation
	}{
		{"hardened passes all", func(*ELFReport) {}, PolicyWords, nil},
		{"empty policy still clean", func(*ELFReport) {}, nil, nil},
		{"not pie", func(r *ELFReport) { r.PIE, r.Type = false, TypeStatic }, []string{"pie", "static"},
			[]Violation{v("pie", "static", "static-pie or dynamic-pie")}},
		{"no relro", func(r *ELFReport) { r.RELRO = RELRONone }, []string{"relro", "bindnow"},
			[]Violation{v("relro", "none", "partial or full"), v("bindnow", "none", "full")}},
		{"partial relro passes relro only", func(r *ELFReport) { r.RELRO = RELROPartial }, []string{"relro", "bindnow"},
			[]Violation{v("bindnow", "partial", "full")}},
		{"exec stack", func(r *ELFReport) { r.NX = false }, []string{"nx"}, []Violation{v("nx", "no", "yes")}},
		{"partial canary", func(r *ELFReport) { r.Canary = CanaryPartial }, []string{"canary"}, []Violation{v("canary", "partial", "yes")}},
		{"unknown canary", func(r *ELFReport) { r.Canary = CanaryUnknown }, []string{"canary"}, []Violation{v("canary", "unknown", "yes")}},
		{"dynamic", func(r *ELFReport) { r.Static, r.Type = false, TypeDynamicPIE }, []string{"static"},
			[]Violation{v("static", "dynamic-pie", "static or static-pie")}},
		{"symbols", func(r *ELFReport) { r.Stripped = false }, []string{"stripped"}, []Violation{v("stripped", "no", "yes")}},
		{"not asked, not checked", func(r *ELFReport) { r.Stripped, r.Canary = false, CanaryNo }, []string{"pie"}, nil},
		{"duplicate word reported once", func(r *ELFReport) { r.NX = false }, []string{"nx", "nx"}, []Violation{v("nx", "no", "yes")}},
		{"unknown word", func(*ELFReport) {}, []string{"fortify"},
			[]Violation{v("policy", "fortify", "one of pie, relro, bindnow, nx, canary, static, stripped")}},
		{"always-on checks ignore the policy", func(r *ELFReport) {
			r.WX, r.TextRel, r.RPath, r.RunPath = true, true, []string{"/a", "/b"}, []string{"$ORIGIN/../lib"}
		}, nil, []Violation{
			v("wx", "writable and executable segment", "none"),
			v("textrel", "text relocations", "none"),
			v("rpath", "/a:/b", ""),
			v("runpath", "$ORIGIN/../lib", ""),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := hardened
			tt.edit(&r)
			if got := Check(r, tt.policy); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestViolationError(t *testing.T) {
	v := Violation{File: "/nix/store/abc-haproxy/bin/haproxy", Property: "canary", Got: "no", Want: "yes"}
	if got, want := v.Error(), `/nix/store/abc-haproxy/bin/haproxy: canary: got "no", want "yes"`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
	u := Violation{Property: "user", Got: "root", Want: "non-root numeric uid:gid"}
	if got, want := u.Error(), `user: got "root", want "non-root numeric uid:gid"`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
}
