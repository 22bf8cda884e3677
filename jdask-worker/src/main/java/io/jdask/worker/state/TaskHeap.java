package io.jdask.worker.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A binary min-heap of tasks in {@link WorkerTask#ORDER} that also removes any member in
 * O(log n).
 *
 * <p>Why not {@link java.util.PriorityQueue}: releasing a READY task must take it out of the
 * heap, and {@code PriorityQueue.remove(Object)} is a linear scan. Here each task remembers its
 * slot in {@link WorkerTask#heapIndex}; that is why a task may be in at most one {@code TaskHeap}
 * at a time (the ready and constrained heaps hold READY and CONSTRAINED tasks, which exclude each
 * other). Not thread-safe, like the rest of the state.
 */
final class TaskHeap {
    private WorkerTask[] items = new WorkerTask[16];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    boolean contains(WorkerTask t) {
        int i = t.heapIndex;
        return i >= 0 && i < size && items[i] == t;
    }

    WorkerTask peek() {
        return size == 0 ? null : items[0];
    }

    void add(WorkerTask t) {
        if (t.heapIndex >= 0) throw new IllegalStateException(t + " is already in a heap");
        if (size == items.length) items = Arrays.copyOf(items, size * 2);
        items[size] = t;
        t.heapIndex = size;
        size++;
        siftUp(size - 1);
    }

    WorkerTask poll() {
        if (size == 0) return null;
        WorkerTask top = items[0];
        removeAt(0);
        return top;
    }

    /** Removes {@code t} if it is in this heap; returns whether it was. */
    boolean remove(WorkerTask t) {
        if (!contains(t)) return false;
        removeAt(t.heapIndex);
        return true;
    }

    private void removeAt(int i) {
        WorkerTask gone = items[i];
        gone.heapIndex = -1;
        size--;
        if (i != size) {
            WorkerTask last = items[size];
            items[i] = last;
            last.heapIndex = i;
            items[size] = null;
            siftDown(i);
            if (items[i] == last) siftUp(i);
        } else {
            items[size] = null;
        }
    }

    private void siftUp(int i) {
        WorkerTask t = items[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            WorkerTask p = items[parent];
            if (WorkerTask.ORDER.compare(t, p) >= 0) break;
            items[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        items[i] = t;
        t.heapIndex = i;
    }

    private void siftDown(int i) {
        WorkerTask t = items[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && WorkerTask.ORDER.compare(items[right], items[child]) < 0) child = right;
            if (WorkerTask.ORDER.compare(t, items[child]) <= 0) break;
            items[i] = items[child];
            items[i].heapIndex = i;
            i = child;
        }
        items[i] = t;
        t.heapIndex = i;
    }

    /** The members in unspecified order. */
    List<WorkerTask> members() {
        return new ArrayList<>(Arrays.asList(items).subList(0, size));
    }

    /** The members best first (a sorted copy; for diagnostics). */
    List<WorkerTask> sorted() {
        var out = members();
        out.sort(WorkerTask.ORDER);
        return out;
    }

    /** Throws if a slot index or the heap order is wrong. */
    void validate(String name) {
        for (int i = 0; i < size; i++) {
            if (items[i].heapIndex != i) {
                throw new IllegalStateException(
                        name + ": " + items[i] + " has heapIndex " + items[i].heapIndex + " but sits at " + i);
            }
            if (i > 0 && WorkerTask.ORDER.compare(items[(i - 1) >>> 1], items[i]) > 0) {
                throw new IllegalStateException(name + ": heap order broken at " + items[i]);
            }
        }
    }
}
