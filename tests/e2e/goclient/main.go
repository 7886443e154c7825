// Command goclient drives docker-credential-darcy through the reference Go client
// library (github.com/docker/docker-credential-helpers/client), the way Go programs
// such as docker/cli and containerd clients do. It runs a fixed script of Store, Get,
// List and Erase calls and exits 1 with a message at the first answer that differs from
// what the protocol promises.
//
// Usage: goclient [helper program name, default docker-credential-darcy]
// The helper is found on PATH and keeps its settings in the environment.
package main

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"
)

var failures int

func failf(format string, args ...interface{}) {
	failures++
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
}

func step(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "== "+format+"\n", args...)
}

// expectGet checks that Get answers exactly want.
func expectGet(program client.ProgramFunc, want *credentials.Credentials) {
	got, err := client.Get(program, want.ServerURL)
	if err != nil {
		failf("Get(%q): %v", want.ServerURL, err)
		return
	}
	if got.Username != want.Username {
		failf("Get(%q): Username %q, want %q", want.ServerURL, got.Username, want.Username)
	}
	if got.Secret != want.Secret {
		failf("Get(%q): Secret differs from the stored one (%d bytes, want %d)",
			want.ServerURL, len(got.Secret), len(want.Secret))
	}
	if got.ServerURL != want.ServerURL {
		failf("Get(%q): ServerURL %q", want.ServerURL, got.ServerURL)
	}
}

func expectNotFound(program client.ProgramFunc, serverURL, when string) {
	_, err := client.Get(program, serverURL)
	if err == nil {
		failf("Get(%q) %s: answered credentials, want not-found", serverURL, when)
	} else if !credentials.IsErrCredentialsNotFound(err) {
		failf("Get(%q) %s: %v, want credentials.IsErrCredentialsNotFound", serverURL, when, err)
	}
}

// jsonKeySecret resembles a GCR service-account key: multi-line JSON of about 2.3 KB
// with quotes, backslashes and the characters Go escapes as \u003c, \u003e and \u0026.
func jsonKeySecret() string {
	var b strings.Builder
	b.WriteString("{\n  \"type\": \"service_account\",\n  \"project_id\": \"darcy-e2e\",\n")
	b.WriteString("  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n")
	for i := 0; i < 30; i++ {
		b.WriteString("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7<>&+/=")
		b.WriteString("\\n")
	}
	b.WriteString("-----END PRIVATE KEY-----\\n\",\n")
	b.WriteString("  \"client_email\": \"puller@darcy-e2e.iam.gserviceaccount.com\",\n")
	b.WriteString("  \"note\": \"tab\\there, unicode \u00e9\u4e2d, <script>&amp;\"\n}\n")
	return b.String()
}

func main() {
	name := "docker-credential-darcy"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	program := client.NewShellProgramFunc(name)

	basic := &credentials.Credentials{
		ServerURL: "registry.darcy-e2e.example:5000",
		Username:  "carol",
		Secret:    "s3cret with spaces, \"quotes\" and \\backslash",
	}
	jsonKey := &credentials.Credentials{
		ServerURL: "gcr.io",
		Username:  "_json_key",
		Secret:    jsonKeySecret(),
	}
	token := &credentials.Credentials{
		ServerURL: "token.darcy-e2e.example",
		Username:  "<token>",
		Secret:    "eyJhbGciOiJSUzI1NiJ9.refresh-token.<&>",
	}
	hub := &credentials.Credentials{
		ServerURL: "https://index.docker.io/v1/",
		Username:  "dave",
		Secret:    "hub-password",
	}
	all := []*credentials.Credentials{basic, jsonKey, token, hub}

	step("Get of a host with no entry is credentials.IsErrCredentialsNotFound")
	expectNotFound(program, "unknown.darcy-e2e.example", "of an unknown host")

	step("List on an empty vault is an empty map, not an error")
	if listed, err := client.List(program); err != nil {
		failf("List on an empty vault: %v", err)
	} else if len(listed) != 0 {
		failf("List on an empty vault: %v, want {}", listed)
	}

	step("Store then Get round-trips username and secret, <token> and a _json_key included")
	for _, c := range all {
		if err := client.Store(program, c); err != nil {
			failf("Store(%q): %v", c.ServerURL, err)
		}
	}
	for _, c := range all {
		expectGet(program, c)
	}

	step("List maps every stored server URL to its username, and each key answers Get")
	listed, err := client.List(program)
	if err != nil {
		failf("List: %v", err)
	}
	for _, c := range all {
		if user, ok := listed[c.ServerURL]; !ok {
			failf("List: %q missing from %v", c.ServerURL, listed)
		} else if user != c.Username {
			failf("List: %q maps to %q, want %q", c.ServerURL, user, c.Username)
		}
	}
	for url := range listed {
		if _, err := client.Get(program, url); err != nil {
			failf("Get(%q) of a listed key: %v", url, err)
		}
	}

	step("Store of the same server URL replaces the entry")
	replaced := *basic
	replaced.Secret = "rotated-password"
	if err := client.Store(program, &replaced); err != nil {
		failf("Store(%q) again: %v", replaced.ServerURL, err)
	}
	expectGet(program, &replaced)

	step("Store without a server URL or username fails with the protocol's messages")
	err = client.Store(program, &credentials.Credentials{Username: "x", Secret: "y"})
	if err == nil || !strings.Contains(err.Error(), "no credentials server URL") {
		failf("Store without ServerURL: %v, want \"no credentials server URL\"", err)
	}
	err = client.Store(program, &credentials.Credentials{ServerURL: "nouser.darcy-e2e.example", Secret: "y"})
	if err == nil || !strings.Contains(err.Error(), "no credentials username") {
		failf("Store without Username: %v, want \"no credentials username\"", err)
	}

	step("Erase removes each entry; Get then answers not-found and a second Erase fails")
	for _, c := range all {
		if err := client.Erase(program, c.ServerURL); err != nil {
			failf("Erase(%q): %v", c.ServerURL, err)
		}
		expectNotFound(program, c.ServerURL, "after Erase")
		if err := client.Erase(program, c.ServerURL); err == nil {
			failf("second Erase(%q) succeeded, want an error", c.ServerURL)
		}
	}
	if listed, err := client.List(program); err != nil {
		failf("List after erasing everything: %v", err)
	} else if len(listed) != 0 {
		failf("List after erasing everything: %v, want {}", listed)
	}

	step("Concurrent Stores of distinct hosts all land; concurrent Erases remove them all")
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := &credentials.Credentials{
				ServerURL: fmt.Sprintf("parallel-%02d.darcy-e2e.example", i),
				Username:  fmt.Sprintf("user%02d", i),
				Secret:    fmt.Sprintf("secret-%02d", i),
			}
			if err := client.Store(program, c); err != nil {
				errs <- fmt.Errorf("concurrent Store(%q): %v", c.ServerURL, err)
			}
		}(i)
	}
	wg.Wait()
	if listed, err := client.List(program); err != nil {
		failf("List after concurrent Stores: %v", err)
	} else if len(listed) != writers {
		failf("List after %d concurrent Stores holds %d entries: %v", writers, len(listed), listed)
	}
	for i := 0; i < writers; i++ {
		expectGet(program, &credentials.Credentials{
			ServerURL: fmt.Sprintf("parallel-%02d.darcy-e2e.example", i),
			Username:  fmt.Sprintf("user%02d", i),
			Secret:    fmt.Sprintf("secret-%02d", i),
		})
	}
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			url := fmt.Sprintf("parallel-%02d.darcy-e2e.example", i)
			if err := client.Erase(program, url); err != nil {
				errs <- fmt.Errorf("concurrent Erase(%q): %v", url, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		failf("%v", err)
	}
	if listed, err := client.List(program); err != nil {
		failf("List after concurrent Erases: %v", err)
	} else if len(listed) != 0 {
		failf("List after concurrent Erases: %v, want {}", listed)
	}

	if failures > 0 {
		fmt.Fprintf(os.Stderr, "goclient: %d check(s) failed\n", failures)
		os.Exit(1)
	}
	fmt.Println("goclient: all checks passed")
}
