#!/usr/bin/env python3
"""Writes an empty wheel (metadata only, no dependencies) for NAME==VERSION into DIR: enough for the install
plan's offline lock (--wheelhouse) in the fleet tests, which plan with --what-if and never install it."""
import sys, zipfile, hashlib, base64, os

def wheel(directory, name, version):
    dist = name.replace('-', '_')
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: autoglm-fleet-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={digest},{len(text.encode())}\n"
    files[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
    out = os.path.join(directory, f"{dist}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(out, "w") as z:
        for path, text in files.items():
            z.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
    return out

if __name__ == "__main__":
    # make-wheel.py DIR NAME==VERSION...   or   autoglm resolve --format json | make-wheel.py DIR -
    import json
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    specs = sys.argv[2:]
    if specs == ["-"]:
        specs = [f"{n}=={v}" for n, v in json.load(sys.stdin)["packages"].items()]
    for spec in specs:
        n, v = spec.split("==")
        print(wheel(d, n, v))
