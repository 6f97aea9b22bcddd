#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds the mail messages of intake.sh with Python's email package.

    mkmail.py < jobs

Each line of jobs is KIND FROM OUT FILE..., separated by tabs: the message
of kind KIND from FROM ("-": no From) carrying the requests FILE (PEM) is
written to OUT.  One process for all of them: Python starts slowly.
"""
import base64
import email.policy
import os
import sys
from email.message import EmailMessage
from email import encoders
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText


def der(pem):
    body = b"".join(line for line in pem.splitlines()
                    if not line.startswith(b"-----"))
    return base64.b64decode(body)


def head(msg, sender):
    if sender != "-":
        msg["From"] = sender
    msg["To"] = "ca@example.org"
    msg["Subject"] = "certificate request"
    return msg


def attachment(data, ctype, name=None):
    maintype, subtype = ctype.split("/")
    part = MIMEBase(maintype, subtype)
    part.set_payload(data)
    encoders.encode_base64(part)
    if name is not None:
        part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def mixed(sender, parts, subtype="mixed"):
    msg = head(MIMEMultipart(subtype), sender)
    msg.attach(MIMEText("Please sign the attached request.\n"))
    for p in parts:
        msg.attach(p)
    return msg


def raw_name(msg, name):
    """A filename= with bytes the email package would not write."""
    text = msg.as_bytes(policy=email.policy.SMTP)
    return text.replace(b'filename="PLACEHOLDER.csr"',
                        b'filename="' + name + b'"')


def build(kind, sender, pems):
    if kind == "by-type":
        return mixed(sender, [attachment(der(p), "application/pkcs10")
                              for p in pems])
    if kind == "by-name":
        return mixed(sender, [attachment(p, "application/octet-stream",
                                         "host%d.%s" % (i, ("csr", "REQ", "pem")[i % 3]))
                              for i, p in enumerate(pems)])
    if kind == "text-qp":
        msg = head(EmailMessage(), sender)
        text = "Hello,\r\nhere it is:\r\n\r\n" + \
            "\r\n".join(p.decode() for p in pems) + "\r\nThanks = bye\r\n"
        msg.set_content(text, cte="quoted-printable")
        return msg
    if kind == "text-b64":
        msg = head(EmailMessage(), sender)
        msg.set_content("see below\n\n" + "".join(p.decode() for p in pems),
                        cte="base64")
        return msg
    if kind == "nested":
        inner = MIMEMultipart("mixed")
        inner.attach(attachment(der(pems[0]), "application/pkcs10"))
        alt = MIMEMultipart("alternative")
        alt.attach(MIMEText("plain\n"))
        alt.attach(inner)
        fwd = head(EmailMessage(), "someone-else@example.net")
        fwd.set_content("forwarded\n\n" + pems[1].decode())
        return mixed(sender, [alt, MIMEMessage(fwd)])
    if kind in ("slash", "dotdot", "control", "long", "nul"):
        names = {
            "slash": b"a/b/../../../../tmp/evil.csr",
            "dotdot": b"../../../../../../tmp/evil.req",
            "control": b"\x1b[31mred\x07\r\x7f.csr",
            "long": b"x" * 5000 + b".csr",
            "nul": b"evil\x00.csr",
        }
        msg = mixed(sender, [attachment(pems[0], "application/octet-stream",
                                        "PLACEHOLDER.csr")])
        return raw_name(msg, names[kind])
    if kind == "many":
        msg = head(MIMEMultipart("mixed"), sender)
        for i in range(10000):
            msg.attach(MIMEText("part %d\n" % i))
        msg.attach(attachment(der(pems[0]), "application/pkcs10"))
        return msg
    if kind == "deep":
        part = attachment(der(pems[0]), "application/pkcs10")
        for _ in range(40):
            outer = MIMEMultipart("mixed")
            outer.attach(part)
            part = outer
        return head(part, sender)
    if kind == "junk":
        zipped = b"PK\x03\x04" + os.urandom(200)
        return mixed(sender, [
            attachment(zipped, "application/zip", "requests.zip"),
            attachment(os.urandom(300), "application/octet-stream", "x.csr"),
            attachment(b"-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n"
                       b"-----END CERTIFICATE REQUEST-----\n",
                       "application/octet-stream", "broken.req"),
            attachment(b"\x00" * (70 * 1024), "application/pkcs10"),
            attachment(b"GIF89a" + os.urandom(100), "image/gif", "cat.gif")])
    if kind == "big":
        msg = mixed(sender, [attachment(der(p), "application/pkcs10")
                             for p in pems])
        msg.attach(attachment(os.urandom(3 * 1024 * 1024), "image/png"))
        return msg
    raise SystemExit("mkmail.py: unknown kind " + kind)


def main():
    for line in sys.stdin:
        kind, sender, out, *paths = line.rstrip("\n").split("\t")
        pems = []
        for path in paths:
            with open(path, "rb") as f:
                pems.append(f.read())
        msg = build(kind, sender, pems)
        if not isinstance(msg, bytes):
            msg = msg.as_bytes(policy=email.policy.SMTP)
        with open(out, "wb") as f:
            f.write(msg)


main()
