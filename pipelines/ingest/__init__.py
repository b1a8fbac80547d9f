"""Reading provincial submissions into raw warehouse tables."""
