"""Cleeng's MediaStore API, on the core: the `{responseData, errors}` envelope, RS256 JWTs naming `customerId`
and `publisherId`, Cleeng's paths and field names. Mounted under `/mediastore`."""
