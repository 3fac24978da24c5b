"""Certificates (证明): requests, numbers, provenance, signed credentials, rendering and public
verification."""
