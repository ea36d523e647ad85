// pulumi-gen-nodejs-sdk SCHEMA.json OUT_DIR: a Pulumi package's Node.js SDK, from its schema (the output of
// `pulumi package get-schema`), made by the CLI's own code generator (pkg/v3/codegen/nodejs).
//
// `pulumi package gen-sdk --language nodejs` asks the Node.js language host to generate it, and the only host
// the Go module proxy serves (sdk/v3 v3.68.0) lacks that call (GeneratePackage). scripts/ensure-pulumi.sh
// builds this beside the CLI, from the same pkg/v3 version as the CLI.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noDependencies loads no other package: the dms package refers to none.
type noDependencies struct{}

func (noDependencies) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to package %s; this generator loads no other package", pkg)
}

func (l noDependencies) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}

func (l noDependencies) LoadPackageReference(pkg string, v *semver.Version) (schema.PackageReference, error) {
	_, err := l.LoadPackage(pkg, v)
	return nil, err
}

func (l noDependencies) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-gen-nodejs-sdk SCHEMA.json OUT_DIR")
		os.Exit(2)
	}
	if err := generate(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-gen-nodejs-sdk: %v\n", err)
		os.Exit(1)
	}
}

func generate(schemaPath, out string) error {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	languages := map[string]schema.Language{"nodejs": nodejs.Importer}
	pkg, err := schema.ImportSpec(spec, languages, noDependencies{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	files, err := nodejs.GeneratePackage("pulumi-gen-nodejs-sdk", pkg, nil, nil, false, noDependencies{})
	if err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
