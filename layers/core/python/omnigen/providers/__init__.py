"""Model providers: one port per capability (script, video, music, voice), two adapters each."""
