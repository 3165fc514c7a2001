package embedkafka

import (
	"crypto/tls"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Auth secures the embedded broker like a production listener: TLS, SASL
// logins and ACLs. Tests use it to check that every stage connects with
// TLS and SASL and needs no more than the ACLs docs/operations.md lists.
type Auth struct {
	// TLS is the server config (certificate, and ClientCAs/ClientAuth for
	// mutual TLS); nil serves plaintext.
	TLS *tls.Config
	// Users may log in; with none, SASL is off.
	Users []User
	// ACLs turns on ACL checks: a User who is not Super may then do only
	// what its ACLs allow.
	ACLs bool
}

// User is a SASL login.
type User struct {
	Mechanism string // PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
	Name      string
	Password  string
	Super     bool  // bypasses ACL checks
	Allow     []ACL // what the user may do when ACLs are checked
}

// ACL allows one operation on one resource (from any host).
type ACL struct {
	Resource  kmsg.ACLResourceType // Topic, Group, TransactionalId or Cluster
	Name      string               // the resource's name; "kafka-cluster" for the cluster
	Prefixed  bool                 // Name is a prefix rather than the whole name
	Operation kmsg.ACLOperation
}

func (a *Auth) opts() []kfake.Opt {
	var opts []kfake.Opt
	if a.TLS != nil {
		opts = append(opts, kfake.TLS(a.TLS))
	}
	if len(a.Users) > 0 {
		opts = append(opts, kfake.EnableSASL())
	}
	if a.ACLs {
		opts = append(opts, kfake.EnableACLs())
	}
	for _, u := range a.Users {
		if u.Super {
			opts = append(opts, kfake.Superuser(u.Mechanism, u.Name, u.Password))
			continue
		}
		acls := make([]kfake.ACL, len(u.Allow))
		for i, x := range u.Allow {
			pattern := kmsg.ACLResourcePatternTypeLiteral
			if x.Prefixed {
				pattern = kmsg.ACLResourcePatternTypePrefixed
			}
			acls[i] = kfake.ACL{Resource: x.Resource, Name: x.Name, Pattern: pattern, Operation: x.Operation, Allow: true}
		}
		opts = append(opts, kfake.User(u.Mechanism, u.Name, u.Password, acls...))
	}
	return opts
}
