"""Sync sources keep their secrets encrypted, and may sign in with HTTP Basic.

Saved tokens are encrypted into ``encrypted_token``; a user name and password written into an address
(``https://user:pass@host/…``) are moved out of it, the password encrypted.
"""

from django.db import migrations, models

from clearinghouse.exchange import credentials


def encrypt_saved(apps, schema_editor):
    SyncSource = apps.get_model("exchange", "SyncSource")
    for source in SyncSource.objects.all():
        address, username, password = credentials.split_address(source.api_root)
        source.api_root = address
        source.encrypted_token = credentials.encrypt(source.token)
        if username:
            source.username, source.encrypted_password = username, credentials.encrypt(password)
            source.encrypted_token = ""
        source.token = ""
        source.save(update_fields=["api_root", "encrypted_token", "username", "encrypted_password", "token"])


def decrypt_saved(apps, schema_editor):
    SyncSource = apps.get_model("exchange", "SyncSource")
    for source in SyncSource.objects.exclude(encrypted_token=""):
        source.token = credentials.decrypt(source.encrypted_token)[:200]
        source.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("exchange", "0006_bulk_written_rows")]

    operations = [
        migrations.AddField(model_name="syncsource", name="encrypted_token", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="syncsource",
            name="username",
            field=models.CharField(blank=True, max_length=200, verbose_name="user name at the remote"),
        ),
        migrations.AddField(model_name="syncsource", name="encrypted_password", field=models.TextField(blank=True)),
        migrations.RunPython(encrypt_saved, decrypt_saved, elidable=False),
        migrations.RemoveField(model_name="syncsource", name="token"),
    ]
