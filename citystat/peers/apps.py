from django.apps import AppConfig


class PeersConfig(AppConfig):
    name = "citystat.peers"
    verbose_name = "Peer cities and benchmarks"

    def ready(self) -> None:
        from citystat.peers.plan_section import SECTION
        from citystat.plan import hooks

        # The plan file carries the peers; the plan cannot import peers, so peers register.
        if SECTION not in hooks.document_sections:
            hooks.document_sections.append(SECTION)
