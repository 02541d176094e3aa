"""Werbemittel: campaigns in ``marketing-assets/`` rendered to images, texts, flyers and kits."""
