package dev.netlat.internal;

/** Turns event detail codes into names from the running kernel. */
final class EventDetail {
    private EventDetail() {
    }

    static String dropReason(int value) {
        Engine e = Engine.loaded();
        String name = e == null ? null : e.dropReasons().get(value);
        return name != null ? name : "REASON_" + value;
    }
}
