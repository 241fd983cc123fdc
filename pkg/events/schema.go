package events

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ArticleSchemaJSON is the JSON Schema of Article v1 (article.v1.schema.json).
//
//go:embed article.v1.schema.json
var ArticleSchemaJSON []byte

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// ValidateArticleJSON checks one Article v1 document against the committed
// schema, formats included.
func ValidateArticleJSON(data []byte) error {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ArticleSchemaJSON))
		if err != nil {
			schemaErr = fmt.Errorf("load article schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(DataSchemaArticle, doc); err != nil {
			schemaErr = fmt.Errorf("load article schema: %w", err)
			return
		}
		schema, schemaErr = c.Compile(DataSchemaArticle)
	})
	if schemaErr != nil {
		return schemaErr
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := schema.Validate(inst); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}
