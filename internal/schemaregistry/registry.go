// Package schemaregistry reads Avro writer schemas from a Confluent-compatible
// schema registry (Confluent, Redpanda, Apicurio's ccompat API) for
// codecs.Decoder. It lives apart from codecs so that the decoding package
// imports no network client.
package schemaregistry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/logpulse/logpulse/codecs"
)

// Registry is a codecs.SchemaRegistry over franz-go's sr.Client. It keeps
// nothing: codecs.Decoder caches the codecs it builds from the schemas.
type Registry struct {
	cl *sr.Client
}

var _ codecs.SchemaRegistry = (*Registry)(nil)

// New returns a Registry for the registry at url; a comma-separated list
// names several, tried in order, as Confluent's clients accept. opts go to
// sr.NewClient after the URLs (sr.BasicAuth, sr.HTTPClient, ...); sr's
// defaults apply otherwise, among them a 5 s timeout per request.
func New(url string, opts ...sr.ClientOpt) (*Registry, error) {
	var urls []string
	for u := range strings.SplitSeq(url, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		return nil, errors.New("schema registry: no URL")
	}
	cl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(urls...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("schema registry client: %w", err)
	}
	return &Registry{cl: cl}, nil
}

// Schema returns the text of the Avro schema registered under id. A 404,
// a schema that is not Avro, or one that references other schemas is a
// *codecs.SchemaError: the answer about the id is final, and the records
// that name it are bad input. Other errors (network, 5xx, auth) are the
// registry's, and say nothing about the records.
func (r *Registry) Schema(ctx context.Context, id int) (string, error) {
	s, err := r.cl.SchemaByID(ctx, id)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			return "", &codecs.SchemaError{ID: id, Err: fmt.Errorf("not in the schema registry: %w", err)}
		}
		return "", fmt.Errorf("get schema %d: %w", id, err)
	}
	if s.Type != sr.TypeAvro {
		return "", &codecs.SchemaError{ID: id, Err: fmt.Errorf("schema type is %s, not AVRO", s.Type)}
	}
	// goavro builds a codec from one schema text, so named types defined in
	// a referenced schema would not resolve; saying so beats the parse error.
	if len(s.References) > 0 {
		return "", &codecs.SchemaError{ID: id, Err: fmt.Errorf("schema references %d other schemas, which logpulse does not resolve", len(s.References))}
	}
	return s.Schema, nil
}
