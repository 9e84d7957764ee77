from django.apps import AppConfig


class PeersConfig(AppConfig):
    name = "citystat.peers"
    verbose_name = "Peer cities and benchmarks"

    def ready(self) -> None:
        from citystat.catalog.rounds import register_round_work
        from citystat.peers.plan_section import SECTION
        from citystat.plan import hooks

        # The plan file carries the peers; the plan cannot import peers, so peers register.
        if SECTION not in hooks.document_sections:
            hooks.document_sections.append(SECTION)
        # Peers refresh on the catalog's schedule, in each round of `citystat refresh --loop`.
        register_round_work("peers", refresh_due_peers)


def refresh_due_peers() -> None:
    """Refresh the peers whose schedule is due (their own failures are recorded on them)."""
    from citystat.peers.refresh import refresh_peers

    refresh_peers(due_only=True)
