"""The embedded default: the real service against a simulated Webex site and a
console chat, with a script of what happens on the site."""
