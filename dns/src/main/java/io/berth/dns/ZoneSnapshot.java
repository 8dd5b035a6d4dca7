package io.berth.dns;

/** PLACEHOLDER: replaced by the DNS work. */
public final class ZoneSnapshot {}
