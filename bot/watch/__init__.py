"""Watching: the periodic jobs that ask Webex what changed and hand the answers to
the store, and the lease that lets one replica among several do it."""
