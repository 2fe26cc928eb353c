package sas

import (
	"fmt"
	"strings"
)

// Class is a set of capability classes a permission letter grants. A letter
// can belong to several: w writes and, by overwriting, destroys.
type Class uint8

// The capability classes.
const (
	ClassRead Class = 1 << iota
	ClassEnumerate
	ClassWrite
	ClassDestructive
	ClassPrivileged
)

var classNames = []struct {
	c    Class
	name string
}{
	{ClassRead, "read"},
	{ClassEnumerate, "enumerate"},
	{ClassWrite, "write"},
	{ClassDestructive, "destructive"},
	{ClassPrivileged, "privileged"},
}

// Names lists the classes in a fixed order: read, enumerate, write,
// destructive, privileged.
func (c Class) Names() []string {
	var out []string
	for _, n := range classNames {
		if c&n.c != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func (c Class) String() string { return strings.Join(c.Names(), ",") }

// Permission is one decoded letter of sp.
type Permission struct {
	Letter byte
	// Name is the design.md permission name: read, add, create, write,
	// delete, delete-version, permanent-delete, list, tags, filter, move,
	// execute, ownership, permissions, set-immutability, update, process.
	Name string
	// Description says in words what the letter allows on this kind of
	// resource.
	Description string
	Class       Class
}

// Permissions is a decoded sp value.
type Permissions struct {
	// Raw is sp exactly as written.
	Raw  string
	List []Permission
	// Class is the union of the classes of every letter.
	Class Class
	// Canonical is false when the letters are not in any documented or
	// SDK-emitted order; the service accepts any order, but a hand-edited
	// sp is a signal worth reporting.
	Canonical bool
	// Duplicates lists letters that occur more than once.
	Duplicates []byte
}

// Has reports whether the letter is granted.
func (p Permissions) Has(letter byte) bool {
	return strings.IndexByte(p.Raw, letter) >= 0
}

// Names returns the permission names in the order written.
func (p Permissions) Names() []string {
	out := make([]string, 0, len(p.List))
	for _, perm := range p.List {
		out = append(out, perm.Name)
	}
	return out
}

type letterInfo struct {
	name, desc string
	class      Class
}

// Letter tables by context. The letters mean different things per kind and
// resource (sas-spec §3.4): p is Process for accounts and queues but
// Permissions (POSIX ACLs) for blobs; f is Filter.
var (
	blobLetters = map[byte]letterInfo{
		'r': {"read", "read content, properties, metadata and block lists", ClassRead},
		'a': {"add", "append blocks to append blobs", ClassWrite},
		'c': {"create", "create new blobs, snapshots and copies", ClassWrite},
		'w': {"write", "write and overwrite content, properties, metadata and block lists", ClassWrite | ClassDestructive},
		'd': {"delete", "delete blobs and break leases", ClassDestructive},
		'x': {"delete-version", "delete blob versions", ClassDestructive},
		'y': {"permanent-delete", "permanently delete snapshots and versions (irreversible)", ClassDestructive},
		'l': {"list", "list blobs", ClassEnumerate},
		't': {"tags", "read and write blob index tags", ClassWrite},
		'f': {"filter", "find blobs by index tags", ClassEnumerate},
		'm': {"move", "move or rename blobs and directories", ClassWrite | ClassDestructive},
		'e': {"execute", "read system properties and POSIX ACLs", ClassRead | ClassPrivileged},
		'o': {"ownership", "set owner and owning group", ClassWrite | ClassPrivileged},
		'p': {"permissions", "set POSIX permissions and ACLs", ClassWrite | ClassPrivileged},
		'i': {"set-immutability", "set or delete immutability policies and legal holds", ClassWrite | ClassPrivileged},
	}
	accountLetters = map[byte]letterInfo{
		'r': {"read", "read service properties, containers and objects", ClassRead},
		'w': {"write", "write objects, container metadata and service properties (CORS, logging, static website)", ClassWrite | ClassDestructive},
		'd': {"delete", "delete containers, shares, queues, tables, blobs and files", ClassDestructive},
		'x': {"delete-version", "delete blob versions", ClassDestructive},
		'y': {"permanent-delete", "permanently delete snapshots and versions (irreversible)", ClassDestructive},
		'l': {"list", "list containers, shares, queues, tables and their contents", ClassEnumerate},
		'a': {"add", "add queue messages, table entities and append blocks", ClassWrite},
		'c': {"create", "create containers, blobs and files", ClassWrite},
		'u': {"update", "update queue messages and table entities", ClassWrite},
		'p': {"process", "get and delete queue messages", ClassRead | ClassDestructive},
		't': {"tags", "read and write blob index tags", ClassWrite},
		'f': {"filter", "find blobs by index tags", ClassEnumerate},
		'i': {"set-immutability", "set or delete immutability policies and legal holds", ClassWrite | ClassPrivileged},
	}
	fileLetters = map[byte]letterInfo{
		'r': {"read", "read content, properties and metadata", ClassRead},
		'c': {"create", "create files and copy to new files", ClassWrite},
		'w': {"write", "write and overwrite content, properties and metadata", ClassWrite | ClassDestructive},
		'd': {"delete", "delete files", ClassDestructive},
		'l': {"list", "list files and directories", ClassEnumerate},
	}
	queueLetters = map[byte]letterInfo{
		'r': {"read", "peek messages and read queue metadata", ClassRead},
		'a': {"add", "add messages", ClassWrite},
		'u': {"update", "update messages", ClassWrite},
		'p': {"process", "get and delete messages", ClassRead | ClassDestructive},
	}
	tableLetters = map[byte]letterInfo{
		'r': {"read", "query entities", ClassRead},
		'a': {"add", "add entities", ClassWrite},
		'u': {"update", "update and merge entities", ClassWrite | ClassDestructive},
		'd': {"delete", "delete entities", ClassDestructive},
	}
)

// permContext is the set of letters valid for one kind of token and resource,
// with the orders in which documentation and the SDKs write them.
type permContext struct {
	what    string
	letters map[byte]letterInfo
	allowed string
	orders  []string
}

func permissionContext(kind Kind, svc Service, res Resource) permContext {
	switch {
	case kind == KindAccount:
		return permContext{"an account SAS", accountLetters, "rwdxylacupfti",
			[]string{"rwdxylacupfti", "rwdxftlacupiy", "rwdlacupxytfi", "rwdlacupiytfx"}}
	case svc == ServiceQueue:
		return permContext{"a queue SAS", queueLetters, "raup", []string{"raup"}}
	case svc == ServiceTable:
		return permContext{"a table SAS", tableLetters, "raud", []string{"raud"}}
	case svc == ServiceFile && res == ResourceShare:
		return permContext{"a share SAS", fileLetters, "rcwdl", []string{"rcwdl"}}
	case svc == ServiceFile:
		return permContext{"a file SAS", fileLetters, "rcwd", []string{"rcwd"}}
	case res == ResourceContainer:
		return permContext{"a container SAS", blobLetters, "racwdxyltfmeopi",
			[]string{"racwdxyltfmeopi", "racwdxltmeiyf", "racwdxltfmeopi"}}
	case res == ResourceDirectory:
		// The SDKs mint every blob letter on a directory; the service
		// decides which apply, so accept them all.
		return permContext{"a directory SAS", blobLetters, "racwdxyltfmeopi",
			[]string{"racwdlmeop", "racwdxyltfmeopi"}}
	default: // blob, snapshot, version
		// l and f have no meaning on one blob, but the Go SDK mints them
		// (order racwdxyltmeopi) and the service accepts the token.
		return permContext{"a blob SAS", blobLetters, "racwdxyltfmeopi",
			[]string{"racwdxyltmeopi", "racwdxtmeiy", "racwdxyltfmeopi"}}
	}
}

// ParsePermissions decodes sp for a token of the given kind, service and
// resource. Letters may come in any order; an unknown letter is an error of
// type *ParseError naming the field "sp".
func ParsePermissions(sp string, kind Kind, svc Service, res Resource) (Permissions, error) {
	ctx := permissionContext(kind, svc, res)
	p := Permissions{Raw: sp}
	var seen [256]bool
	for i := 0; i < len(sp); i++ {
		c := sp[i]
		if strings.IndexByte(ctx.allowed, c) < 0 {
			return Permissions{}, &ParseError{Field: "sp", Value: sp,
				Err: fmt.Errorf("%w %q for %s (valid: %s)", ErrUnknownPermission, string(c), ctx.what, ctx.allowed)}
		}
		if seen[c] {
			if !containsByte(p.Duplicates, c) {
				p.Duplicates = append(p.Duplicates, c)
			}
			continue
		}
		seen[c] = true
		info := ctx.letters[c]
		p.List = append(p.List, Permission{Letter: c, Name: info.name, Description: info.desc, Class: info.class})
		p.Class |= info.class
	}
	for _, order := range ctx.orders {
		if inOrder(sp, order) {
			p.Canonical = true
			break
		}
	}
	return p, nil
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// inOrder reports whether s (without duplicates) follows the order of ref.
func inOrder(s, ref string) bool {
	last := -1
	for i := 0; i < len(s); i++ {
		j := strings.IndexByte(ref, s[i])
		if j <= last {
			return false
		}
		last = j
	}
	return true
}
