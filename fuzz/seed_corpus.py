#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the official test vectors.

Usage (from fuzz/): python3 seed_corpus.py
The corpora go to corpus/<target>/ (ignored by git); `cargo fuzz run TARGET` picks them up.
"""
import hashlib
import json
import os

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test-vectors")
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def load(name):
    with open(os.path.join(VECTORS, name)) as f:
        return json.load(f)


def write(target, hex_value):
    if not hex_value:
        return
    data = bytes.fromhex(hex_value)
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def write_tree_with_group(group_id_hex, tree_hex):
    """A receive_ratchet_tree input: the group ID's length, the group ID, the tree."""
    group_id = bytes.fromhex(group_id_hex)
    write("receive_ratchet_tree", (bytes([len(group_id)]) + group_id).hex() + tree_hex)


def main():
    header = 4 * 2  # an MLSMessage's version and wire_format, in hex digits
    for case in load("messages.json"):
        for field in ("mls_welcome", "mls_group_info", "mls_key_package",
                      "public_message_application", "public_message_proposal",
                      "public_message_commit", "private_message"):
            write("decode_mls_message", case[field])
        write("decode_welcome", case["mls_welcome"][header:])
        write("decode_group_info", case["mls_group_info"][header:])
        write("decode_key_package", case["mls_key_package"][header:])
        write("decode_ratchet_tree", case["ratchet_tree"])
    for case in load("tree-validation.json"):
        write("decode_ratchet_tree", case["tree"])
        if case["cipher_suite"] == 1:
            write_tree_with_group(case["group_id"], case["tree"])
    for case in load("treekem.json"):
        write("decode_ratchet_tree", case["ratchet_tree"])
    for case in load("passive-client-welcome.json"):
        write("decode_mls_message", case["welcome"])
        write("decode_mls_message", case["key_package"])
        write("decode_welcome", case["welcome"][header:])
        write("decode_key_package", case["key_package"][header:])
        write("decode_ratchet_tree", case["ratchet_tree"])


if __name__ == "__main__":
    main()
