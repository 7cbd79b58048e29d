"""The merchant's dashboard: a publisher runs the business in a browser. Server-rendered, as the hosted pages are,
with their guard (CSRF tokens, cookies, policy), never framed."""
