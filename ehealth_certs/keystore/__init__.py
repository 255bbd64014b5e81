"""The keystore itself, with no Django and no other project package: only ``cryptography`` and
``asn1crypto`` below this line. Codes and raw values come out; their words are in
``ehealth_certs.keystore_text``.

* ``reader`` / ``writer``: PKCS#12 in and out (``entry``: what they hold and their errors;
  ``pairing``: keys matched with their certificates;
  ``budget``: the key-derivation work a file may ask for);
* ``validation``: the ordered checks, with ``profile`` (eHealth's own rules), ``subject`` (eHealth
  subject parsing), ``description`` (entries as shown), ``result``, ``codes`` and ``dates``;
* ``trust`` (CA bundles and chains), ``ocsp`` (revocation), ``password_policy`` (the rules' codes).
"""
