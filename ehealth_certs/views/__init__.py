"""The certificate pages, imported only by ``ehealth_certs.urls``."""
