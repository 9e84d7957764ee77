from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "citystat.public"

    def ready(self) -> None:
        from citystat.plan import revision
        from citystat.public.warm import warm_after_change

        # The plan cannot import the site above it: the site listens for its changes.
        if warm_after_change not in revision.after_change:
            revision.after_change.append(warm_after_change)
