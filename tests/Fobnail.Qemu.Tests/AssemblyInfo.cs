// One TCG guest at a time: two cores shared by concurrent emulated machines only make every timeout tighter
// and every timing figure meaningless.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
