from django.apps import AppConfig


class PeersConfig(AppConfig):
    name = "citystat.peers"
    verbose_name = "Peer cities and benchmarks"
