"""The hosted pages: what a viewer signs up, signs in, buys and manages their account on, per merchant, in the
merchant's look and the viewer's language. Server-rendered; the few scripts are small and written here."""
