package io.jdask.spi;

import io.jdask.Profile;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of a {@link Profile}, for the runtime modules (not for applications): the tree in preorder as three
 * parallel arrays, node {@code i} being frame {@code frames[i]} with {@code counts[i]} samples, child of node
 * {@code parents[i]} ({@code -1} for the root, node 0). Parents come before their children.
 *
 * @param frames frame names in preorder
 * @param parents index of each node's parent, -1 for the root
 * @param counts samples per node
 */
public record ProfileArrays(List<String> frames, int[] parents, long[] counts) {

    public ProfileArrays {
        if (frames.size() != parents.length || frames.size() != counts.length) {
            throw new IllegalArgumentException("profile arrays differ in length: " + frames.size() + " frames, "
                    + parents.length + " parents, " + counts.length + " counts");
        }
    }

    /** Flattens a profile. */
    public static ProfileArrays of(Profile p) {
        var frames = new ArrayList<String>();
        var parents = new IntList();
        var counts = new ArrayList<Long>();
        // Iterative preorder, so a deep tree cannot overflow the stack here.
        var stack = new ArrayList<Object[]>();
        stack.add(new Object[] {p, -1});
        while (!stack.isEmpty()) {
            Object[] top = stack.remove(stack.size() - 1);
            Profile n = (Profile) top[0];
            int index = frames.size();
            frames.add(n.frame());
            parents.add((Integer) top[1]);
            counts.add(n.count());
            List<Profile> cs = n.children();
            for (int i = cs.size() - 1; i >= 0; i--) {
                stack.add(new Object[] {cs.get(i), index});
            }
        }
        long[] c = new long[counts.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
        }
        return new ProfileArrays(List.copyOf(frames), parents.toArray(), c);
    }

    /**
     * Rebuilds the profile; an empty form gives {@link Profile#empty()}.
     *
     * @throws IllegalArgumentException if a parent index does not point at an earlier node
     */
    public Profile toProfile() {
        int n = frames.size();
        if (n == 0) {
            return Profile.empty();
        }
        List<List<Profile>> kids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            kids.add(new ArrayList<>());
        }
        for (int i = 1; i < n; i++) {
            if (parents[i] < 0 || parents[i] >= i) {
                throw new IllegalArgumentException("profile node " + i + " (" + frames.get(i) + ") has parent "
                        + parents[i] + "; parents must come before their children");
            }
        }
        Profile[] built = new Profile[n];
        for (int i = n - 1; i >= 0; i--) { // children come after parents: build from the back
            built[i] = Profile.of(frames.get(i), counts[i], kids.get(i));
            if (i > 0) {
                kids.get(parents[i]).add(built[i]);
            }
        }
        return built[0];
    }

    /** Merges several flat profiles into one tree. */
    public static Profile merge(Iterable<ProfileArrays> all) {
        Profile.Builder b = Profile.builder();
        for (ProfileArrays a : all) {
            b.add(a.toProfile());
        }
        return b.build();
    }

    private static final class IntList {
        int[] a = new int[16];
        int n;

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
