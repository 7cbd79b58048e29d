"""The InPlayer REST dialect: InPlayer's paths, form bodies, Unix times and `{code, message, errors}` errors."""
