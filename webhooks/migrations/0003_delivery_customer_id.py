from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def customer_of_event(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    Event = apps.get_model("webhooks", "Event")
    customer = Event.objects.filter(pk=OuterRef("event_id")).values("tenant__customer_id")[:1]
    Delivery.objects.update(customer_id=Subquery(customer))


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0002_remove_webhook_faults"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="customer_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(customer_of_event, migrations.RunPython.noop),
    ]
