"""Each changed campaign as the sample member's own kit shows it, beside the generic images.

The founder approves what members will hand out: a banner with their name, code and QR code
looks different from the generic one on the help site. The sample member is the one of every
build output (``sample_values``): synthetic, never a real member.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.core.settings import Project
from generator.marketing.campaign import Campaign
from generator.marketing.load import load_campaigns
from generator.marketing.render import Recipient, compact, image_svg, png, qr_png, qr_target
from generator.newsletter.email import sample_values
from generator.review.model import CampaignSample, Picture, Review, SampleImage
from generator.review.sides import Side

OUTPUTS = "marketing-assets/"


def sample_recipient(project: Project) -> Recipient:
    """The sample member as a kit's recipient: their referral code and name."""
    values = sample_values(project)
    name = f"{values['first_name']} {values['last_name']}".strip()
    return Recipient(values["referral_code"], name)


def changed_campaigns(review: Review) -> set[str]:
    """Slugs of the campaigns whose files or sources change."""
    slugs = {
        item.path[len(OUTPUTS) :].split("/", 1)[0]
        for item in review.werbemittel
        if item.path.startswith(OUTPUTS) and item.path.count("/") >= 2
    }
    return slugs | {change.path for change in review.campaigns}


def campaign_samples(project: Project, review: Review, new: Side) -> tuple[CampaignSample, ...]:
    """Every changed campaign of the new side rendered for the sample member."""
    wanted = changed_campaigns(review)
    if not wanted:
        return ()
    campaigns, problems = load_campaigns(project)
    if problems:
        return ()  # the review shows the problems; there is nothing to personalise
    recipient = sample_recipient(project)
    return tuple(
        _sample(campaign, recipient, new)
        for campaign in campaigns
        if campaign.slug in wanted or campaign.source in wanted
    )


def _sample(campaign: Campaign, recipient: Recipient, new: Side) -> CampaignSample:
    target = qr_target(campaign, recipient, "print", "qr-code")
    return CampaignSample(
        slug=campaign.slug,
        title=campaign.title,
        member=recipient.name,
        code=recipient.code or "",
        link=target,
        qr=Picture(qr_png(target), "image/png"),
        images=tuple(_images(campaign, recipient, new)),
    )


def _images(campaign: Campaign, recipient: Recipient, new: Side) -> Iterable[SampleImage]:
    for spec in campaign.images:
        if not spec.personal:
            continue  # the same for every member: the generic picture is all there is
        svg, _problems = image_svg(campaign, spec, recipient)
        if svg is None:
            continue  # (a text that does not fit is a problem of the campaign, shown above)
        generic = new.output(f"{OUTPUTS}{campaign.slug}/{spec.name}.png")
        yield SampleImage(
            spec.name,
            spec.title,
            Picture(generic, "image/png") if generic is not None else None,
            Picture(compact(png(svg, spec.width, spec.height)), "image/png"),
        )
