#!/usr/bin/env python3
"""An independent reader of a vault directory (docs/vault-format.md) for the reliability tests.

It parses node.key, node.pub and vault.json strictly and opens every sealed entry itself with
libsodium (through ctypes), so a test can check the state a crashed or concurrent writer left
without trusting the code under test.

    vault_check.py check DIR EXPECT_FILE [LIST_OUT]

EXPECT_FILE is a JSON object; every key is optional:
    "local":       {"<server key>": ["<allowed secret>" or null for absent, ...]}
    "controller":  [{"<id>": "<password>", ...}, ...]  the controller entries, all of them,
                   must hold exactly one of these maps (an all-or-nothing write)
    "never":       ["<secret>", ...]  no entry may open to any of these
    "tmp_max":     N  at most N leftover temporary files
LIST_OUT, the stdout of `docker-credential-darcy list`, must be one line holding a JSON object
whose keys are exactly the hosts of the entries that answer (local entries and controller
entries with a secret and a user name), each with its user name.

Prints a JSON object: the observed "local" secrets by key, "controller" passwords by id, the
index "etag", "state" (the index of the matching "controller" map, or null), and "tmp" (the
names of leftover temporary files). Exit 1 with a message on stderr at the first fault.
"""
import base64
import ctypes
import ctypes.util
import json
import os
import re
import stat
import sys

KNOWN_FILES = {"node.key", "node.pub", "vault.json", "vault.lock", "fetch.lock"}
TMP_RE = re.compile(r"^\.(vault\.json|node\.key|node\.pub)\.tmp\.[0-9a-zA-Z]+$")
ENTRY_FIELDS = {
    "id": int, "url": str, "key": str, "username": str, "email": str, "public": bool,
    "source": str, "fetchedAt": int, "sealed": str,
}


class Fault(Exception):
    pass


def sodium():
    name = ctypes.util.find_library("sodium") or "libsodium.so.23"
    lib = ctypes.CDLL(name)
    if lib.sodium_init() < 0:
        raise Fault("sodium_init failed")
    return lib


def b64_32(text, what):
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as e:
        raise Fault("%s is not base64: %s" % (what, e))
    if len(raw) != 32 or base64.b64encode(raw).decode() != text:
        raise Fault("%s is not the standard base64 of 32 bytes" % what)
    return raw


def private_regular(path):
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise Fault("%s is not a regular file" % path)
    if stat.S_IMODE(st.st_mode) != 0o600:
        raise Fault("%s has mode %o, not 600" % (path, stat.S_IMODE(st.st_mode)))
    if st.st_size == 0:
        raise Fault("%s is empty" % path)


def read_keys(lib, d):
    path = os.path.join(d, "node.key")
    private_regular(path)
    text = open(path, "rb").read().decode("ascii")
    lines = text.split("\n")
    if len(lines) != 4 or lines[3] != "" or lines[0] != "darcy-node-key v1 x25519":
        raise Fault("%s is not three tagged lines" % path)
    pk = b64_32(lines[1], "node.key public key")
    sk = b64_32(lines[2], "node.key secret key")
    q = ctypes.create_string_buffer(32)
    if lib.crypto_scalarmult_base(q, sk) != 0 or q.raw != pk:
        raise Fault("node.key: the public key does not belong to the secret key")
    pub = open(os.path.join(d, "node.pub"), "rb").read().decode("ascii")
    if pub != "darcy-node-pub v1 x25519\n%s\n" % lines[1]:
        raise Fault("node.pub does not hold node.key's public key")
    return lines[1], pk, sk


def unseal(lib, pk, sk, entry):
    blob = base64.b64decode(entry["sealed"], validate=True)
    if len(blob) < 48:
        raise Fault("entry %s: sealed blob too short" % entry["id"])
    out = ctypes.create_string_buffer(len(blob) - 48)
    if lib.crypto_box_seal_open(out, blob, ctypes.c_ulonglong(len(blob)), pk, sk) != 0:
        raise Fault("entry %s (%s): the sealed secret does not open" % (entry["id"], entry["url"]))
    payload = json.loads(out.raw.decode("utf-8"))
    if sorted(payload) != ["id", "password", "url", "username"]:
        raise Fault("entry %s: payload keys %s" % (entry["id"], sorted(payload)))
    for k in ("id", "url", "username"):
        if payload[k] != entry[k]:
            raise Fault("entry %s: payload %s differs from the entry's" % (entry["id"], k))
    return payload["password"]


def read_vault(d):
    lib = sodium()
    tmp = []
    for name in os.listdir(d):
        if TMP_RE.match(name):
            tmp.append(name)
            st = os.lstat(os.path.join(d, name))
            want = 0o644 if name.startswith(".node.pub.") else 0o600
            if not stat.S_ISREG(st.st_mode) or stat.S_IMODE(st.st_mode) != want:
                raise Fault("temporary file %s: mode %o" % (name, st.st_mode))
        elif name not in KNOWN_FILES and not name.startswith(".decoy"):
            raise Fault("unexpected file in the vault directory: %r" % name)
    pk_text, pk, sk = read_keys(lib, d)
    path = os.path.join(d, "vault.json")
    private_regular(path)
    data = open(path, "rb").read()
    if not data.endswith(b"\n") or data.count(b"\n") != 1:
        raise Fault("vault.json is not one line ending in a newline (%d bytes)" % len(data))
    doc = json.loads(data)
    if not isinstance(doc, dict) or sorted(doc) != ["entries", "format", "index", "nodePublicKey"]:
        raise Fault("vault.json: top-level keys %s" % (sorted(doc) if isinstance(doc, dict) else doc))
    if doc["format"] != "darcy-vault/1" or doc["nodePublicKey"] != pk_text:
        raise Fault("vault.json: wrong format tag or node key")
    idx = doc["index"]
    if not isinstance(idx.get("syncedAt"), int) or not isinstance(idx.get("etag"), str):
        raise Fault("vault.json: malformed index")
    local, controller = {}, {}
    for e in doc["entries"]:
        if sorted(e) != sorted(ENTRY_FIELDS):
            raise Fault("vault.json: entry keys %s" % sorted(e))
        for k, t in ENTRY_FIELDS.items():
            if type(e[k]) is not t:
                raise Fault("vault.json: entry field %s is not %s" % (k, t.__name__))
        pw = unseal(lib, pk, sk, e) if e["sealed"] else None
        if e["source"] == "local":
            if e["key"] in local:
                raise Fault("two local entries for %s" % e["key"])
            local[e["key"]] = {"secret": pw, "username": e["username"]}
        elif e["source"] == "controller":
            if str(e["id"]) in controller:
                raise Fault("two controller entries with id %s" % e["id"])
            controller[str(e["id"])] = {"secret": pw, "username": e["username"], "key": e["key"],
                                        "public": e["public"]}
        else:
            raise Fault("unknown source %r" % e["source"])
    return {"local": local, "controller": controller, "etag": idx["etag"], "tmp": sorted(tmp)}


def check_list(path, v):
    data = open(path, "rb").read()
    if not data.endswith(b"\n") or data.count(b"\n") != 1:
        raise Fault("list: not exactly one line: %r" % data[:200])
    listed = json.loads(data)
    if not isinstance(listed, dict):
        raise Fault("list: not a JSON object")
    want = {}
    for e in v["controller"].values():
        if e["secret"] is not None and e["username"] and not e["public"]:
            want.setdefault(e["key"], e["username"])
    for key, e in v["local"].items():
        want[key] = e["username"]
    if listed != want:
        missing = sorted(set(want) - set(listed))[:5]
        extra = sorted(set(listed) - set(want))[:5]
        raise Fault("list does not match vault.json: missing %s, extra %s" % (missing, extra))


def check(d, expect_file, list_out):
    expect = json.load(open(expect_file, encoding="utf-8"))
    v = read_vault(d)
    result = {"local": {k: e["secret"] for k, e in v["local"].items()},
              "controller": {i: e["secret"] for i, e in v["controller"].items()},
              "etag": v["etag"], "tmp": v["tmp"], "state": None}
    for key, allowed in expect.get("local", {}).items():
        got = result["local"].get(key)
        if got not in allowed:
            raise Fault("local entry %s holds %s, none of the %d allowed states" %
                        (key, "nothing" if got is None else "another secret", len(allowed)))
    states = expect.get("controller")
    if states is not None:
        for i, state in enumerate(states):
            if result["controller"] == state:
                result["state"] = i
                break
        else:
            differ = [[sorted(k for k in set(s) | set(result["controller"])
                              if s.get(k) != result["controller"].get(k))[:5]] for s in states]
            raise Fault("the controller entries match none of the %d states (ids differing: %s)" %
                        (len(states), differ))
    never = set(expect.get("never", []))
    opened = list(result["local"].values()) + list(result["controller"].values())
    if never & set(opened):
        raise Fault("an entry opened to a secret that was never written to vault.json")
    if len(v["tmp"]) > expect.get("tmp_max", 1 << 30):
        raise Fault("%d temporary files, more than %d" % (len(v["tmp"]), expect["tmp_max"]))
    if list_out:
        check_list(list_out, v)
    json.dump(result, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[1] != "check":
        sys.exit(__doc__)
    try:
        check(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) == 5 else None)
    except Fault as e:
        sys.exit("vault_check: %s" % e)
    except (OSError, ValueError, KeyError, TypeError, UnicodeError) as e:
        sys.exit("vault_check: %s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
