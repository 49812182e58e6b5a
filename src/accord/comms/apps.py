from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "accord.comms"
    label = "comms"
    verbose_name = "Accord secure channels"

    def ready(self) -> None:
        from accord.ui.sections import Section
        from accord.ui.sections import register as add_section

        add_section(Section("channels", "Channels", "comms:channels", 20, pages=(("comms", ""),)))

        from django.urls import reverse

        from accord.core.links import Kind, register

        register(
            Kind(
                name="comms.channel",
                model_label="comms.Channel",
                label_paths=("label",),
                process_path="process",
                title=lambda c: c.name,
                url=lambda c: reverse("comms:channel", args=[c.process.slug, c.pk]),
                text_fields=("name", "description"),
            )
        )
        register(
            Kind(
                name="comms.message",
                model_label="comms.Message",
                label_paths=("label", "channel__label"),
                process_path="channel__process",
                title=lambda m: f"message in {m.channel.name}",
                url=lambda m: (
                    reverse("comms:channel", args=[m.channel.process.slug, m.channel_id])
                    + f"#msg-{m.pk}"
                ),
                text_fields=("body",),
            )
        )
        register(
            Kind(
                name="comms.attachment",
                model_label="comms.Attachment",
                label_paths=("label", "message__label", "message__channel__label"),
                process_path="message__channel__process",
                title=lambda a: a.name,
                text_fields=("name",),
            )
        )

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.comms.demo import load

        load(process)
