#!/usr/bin/env python3
"""Bulk changes on the dev controller's user API over one TLS connection, for the tests
that need hundreds of registries (one curl per registry would take longer than the test).

    controller_admin.py URL CA_FILE USER_HEADER_FILE create N PASSWORDS_FILE
        creates N private registries r<i>.example.com (user u<i>) with random passwords;
        writes {"<id>": "<password>", ...} to PASSWORDS_FILE (mode 0600).
    controller_admin.py URL CA_FILE USER_HEADER_FILE rotate ID PASSWORDS_FILE
        gives registry ID a new random password and records it in PASSWORDS_FILE.

USER_HEADER_FILE holds the line `Authorization: Bearer <token>` (tests/integration/lib.sh).
Passwords never reach a command line.
"""
import http.client
import json
import os
import secrets
import ssl
import sys
import urllib.parse


class Admin:
    def __init__(self, url, ca_file, header_file):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=ca_file)
        name, value = open(header_file, encoding="ascii").read().strip().split(": ", 1)
        self.headers = {name: value, "Content-Type": "application/json"}
        self.conn = None

    def request(self, method, path, body):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                        timeout=10)
            try:
                self.conn.request(method, path, json.dumps(body), self.headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def write_passwords(path, passwords):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(passwords, f, sort_keys=True)
    os.rename(tmp, path)


def main():
    if len(sys.argv) != 7 or sys.argv[4] not in ("create", "rotate"):
        sys.exit(__doc__)
    admin = Admin(sys.argv[1], sys.argv[2], sys.argv[3])
    command, arg, path = sys.argv[4], int(sys.argv[5]), sys.argv[6]
    if command == "create":
        passwords = {}
        for i in range(1, arg + 1):
            pw = "pw-%d-%s" % (i, secrets.token_hex(12))
            status, body = admin.request("POST", "/api/v3/registries", {
                "url": "r%d.example.com" % i, "isPublic": False, "username": "u%d" % i,
                "password": pw, "email": "ci@example.com"})
            if status != 201:
                sys.exit("creating registry %d answered %d: %r" % (i, status, body[:200]))
            passwords[str(json.loads(body)["id"])] = pw
        write_passwords(path, passwords)
    else:
        passwords = json.load(open(path, encoding="utf-8"))
        pw = "pw-%d-%s" % (arg, secrets.token_hex(12))
        status, body = admin.request("PATCH", "/api/v3/registries/%d" % arg, {"password": pw})
        if status != 204:
            sys.exit("PATCH registry %d answered %d: %r" % (arg, status, body[:200]))
        passwords[str(arg)] = pw
        write_passwords(path, passwords)


if __name__ == "__main__":
    main()
