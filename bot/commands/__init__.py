"""The ``/webex`` commands: the grammar (text -> command value), what each command
does against Webex and the store, and what the bot answers."""
