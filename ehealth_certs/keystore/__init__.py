"""The keystore itself, with no Django: reading and writing PKCS#12, the eHealth checks, trust
anchors, OCSP and the password rules. Only ``cryptography`` and ``asn1crypto`` below this line."""
