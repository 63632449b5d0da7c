"""Store platform adapters: one folder per platform, all behind `platforms.base`."""
