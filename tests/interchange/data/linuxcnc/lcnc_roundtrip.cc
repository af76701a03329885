// Load a tool table with LinuxCNC's own libtooldata (as milltask/io do) and save it
// again (as G10 L1/L10/L11 do): prints what LinuxCNC itself writes for that table.
// Usage: HOME=<private dir> lcnc_roundtrip IN.tbl OUT.tbl [random]
#include <cstdio>
#include <cstdlib>
struct EMC_TOOL_STAT;
int tool_mmap_creator(EMC_TOOL_STAT const*, int);
void tool_mmap_close();
void tooldata_init(bool);
int tooldata_load(const char*, char**);
int tooldata_save(const char*, char**);
int main(int argc, char** argv) {
    if (argc < 3) return 2;
    bool random = argc > 3;
    enum { N = 1 << 16 };  // far more than CANON_POCKETS_MAX
    static char* comments[N];
    for (int i = 0; i < N; i++) comments[i] = (char*)calloc(1, 1024);
    tool_mmap_creator(nullptr, random);
    tooldata_init(random);
    if (tooldata_load(argv[1], comments)) return 1;
    if (tooldata_save(argv[2], comments)) return 1;
    tool_mmap_close();
    return 0;
}
