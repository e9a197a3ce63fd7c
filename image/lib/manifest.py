#!/usr/bin/env python3
"""SPDX 2.3 (JSON) manifest of what a root slot contains: every Debian package with its version
and source package (dpkg's own database, read at build time), the onetrip firmware itself, and the
Rust crates compiled into it (from `cargo tree` of the terminal build, when given).

usage: manifest.py PACKAGES_TSV VERSION OUT_JSON [CRATES_TXT]
"""
import datetime
import json
import re
import sys


def spdx_id(kind, name, version):
    return "SPDXRef-%s-%s" % (kind, re.sub(r"[^A-Za-z0-9.-]", "-", "%s-%s" % (name, version)))


def main():
    tsv, version, out = sys.argv[1:4]
    crates = sys.argv[4] if len(sys.argv) > 4 else None
    firmware = {
        "SPDXID": "SPDXRef-onetrip",
        "name": "onetrip",
        "versionInfo": version,
        "supplier": "Organization: OneTrip",
        "downloadLocation": "NOASSERTION",
        "licenseConcluded": "GPL-3.0-only",
        "licenseDeclared": "GPL-3.0-only",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "FIRMWARE",
    }
    packages = [firmware]
    relationships = [
        {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-onetrip"}
    ]
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[0]:
                continue
            name, ver, arch = parts[0], parts[1], parts[2]
            src = parts[3] if len(parts) > 3 and parts[3] else name
            ident = spdx_id("deb", name, ver)
            packages.append({
                "SPDXID": ident,
                "name": name,
                "versionInfo": ver,
                "supplier": "Organization: Debian",
                "downloadLocation": "NOASSERTION",
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": "NOASSERTION",
                "copyrightText": "NOASSERTION",
                "sourceInfo": "built from Debian source package %s" % src,
                "externalRefs": [{
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": "pkg:deb/debian/%s@%s?arch=%s&distro=bookworm" % (name, ver, arch),
                }],
            })
            relationships.append({"spdxElementId": "SPDXRef-onetrip", "relationshipType": "CONTAINS", "relatedSpdxElement": ident})
    if crates:
        seen = set()
        with open(crates, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^([A-Za-z0-9_-]+) v(\S+)", line.strip())
                if not m or m.groups() in seen or m.group(1).startswith("onetrip"):
                    continue
                seen.add(m.groups())
                name, ver = m.groups()
                ident = spdx_id("crate", name, ver)
                packages.append({
                    "SPDXID": ident,
                    "name": name,
                    "versionInfo": ver,
                    "downloadLocation": "NOASSERTION",
                    "licenseConcluded": "NOASSERTION",
                    "copyrightText": "NOASSERTION",
                    "externalRefs": [{
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": "pkg:cargo/%s@%s" % (name, ver),
                    }],
                })
                relationships.append({"spdxElementId": "SPDXRef-onetrip", "relationshipType": "STATIC_LINK", "relatedSpdxElement": ident})
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "onetrip-image-%s" % version,
        "documentNamespace": "https://onetrip.invalid/spdx/image/%s" % version,
        "creationInfo": {
            "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "creators": ["Tool: onetrip image/build"],
        },
        "packages": packages,
        "relationships": relationships,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    print("manifest: %s (%d packages)" % (out, len(packages)))


if __name__ == "__main__":
    main()
