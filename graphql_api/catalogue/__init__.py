"""The institution catalogue (机构成果), its recognition, and the public catalogue."""
