package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// lifecycleDoc is endoflife.date's API v1 answer for one product
// (GET /api/v1/products/<product>/): every release cycle (branch) with its LTS flag and
// end of life.
type lifecycleDoc struct {
	Result *struct {
		Name     string `json:"name"`
		Releases []struct {
			Name    string  `json:"name"`
			IsLTS   bool    `json:"isLts"`
			IsEOL   bool    `json:"isEol"`
			EOLFrom *string `json:"eolFrom"`
		} `json:"releases"`
	} `json:"result"`
}

// lifecycle lists a product's branches, newest first.
func (x *Index) lifecycle(ctx context.Context, product string) ([]Cycle, error) {
	return cached(x, "endoflife/"+product, func() ([]Cycle, error) {
		u := x.bases["endoflife"] + "/" + product + "/"
		what := product + "'s branch lifecycle"
		body, err := x.f.get(ctx, what, u, "application/json")
		if err != nil {
			return nil, err
		}
		var doc lifecycleDoc
		if err := json.Unmarshal(body, &doc); err != nil {
			return nil, &MalformedError{What: what, URL: u, Err: err}
		}
		if doc.Result == nil || len(doc.Result.Releases) == 0 {
			return nil, &MalformedError{What: what, URL: u, Err: fmt.Errorf(`no "result.releases"`)}
		}
		today := x.now().UTC().Format(time.DateOnly)
		var out []Cycle
		for _, r := range doc.Result.Releases {
			c := Cycle{Branch: r.Name, Known: true, LTS: r.IsLTS, EOL: r.IsEOL}
			if r.EOLFrom != nil {
				if _, err := time.Parse(time.DateOnly, *r.EOLFrom); err != nil {
					return nil, &MalformedError{What: what, URL: u, Err: fmt.Errorf("branch %s: eolFrom %q is not YYYY-MM-DD", r.Name, *r.EOLFrom)}
				}
				c.EOLDate = *r.EOLFrom
				c.EOL = c.EOL || c.EOLDate <= today
			}
			out = append(out, c)
		}
		sortCyclesNewestFirst(out)
		return out, nil
	})
}

func sortCyclesNewestFirst(cs []Cycle) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && Compare(cs[j].Branch, cs[j-1].Branch) > 0; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
