"""Pages this server shows people rather than apps: the sandbox gateway's 3-D Secure challenge, and later the
merchant dashboard and the hosted paywall."""
